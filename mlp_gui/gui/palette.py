"""The window's colours, named once: every view takes its colours from here."""

from __future__ import annotations

TEXT = "#222222"
MUTED = "#555555"
ERROR = "#c62828"  # messages, invalid fields, divergence
ERROR_FILL = "#fff3f3"
LIVE_CURVE = "#1f5fbf"
TEST_CURVE = "#e07000"  # the live run's test loss, dashed beside its training loss
NOTE_FILL = "#fff4d6"
NOTE_BORDER = "#e0c070"
#: Okabe-Ito colour-blind-friendly palette for kept runs (without the live curve's blue or yellow, too faint on white)
KEPT_RUNS = ["#009E73", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#7F7F7F", "#882255"]
#: gradient-check ratings: (background, text); pale fills keep black numbers readable
RATINGS = {"green": ("#d8f0d9", "#1b5e20"), "amber": ("#ffe7b8", "#8a5300"), "red": ("#ffd5d5", "#b71c1c")}
#: the heatmaps' diverging colour map (blue - white - red, perceptually uniform)
COLOUR_MAP = "CET-D1A"
POSITIVE = "#c0392b"  # a positive value, as the heatmaps' colour map draws it (red)
NEGATIVE = "#2e6fbf"  # a negative one (blue)
