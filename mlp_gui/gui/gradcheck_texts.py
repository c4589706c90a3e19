"""What the gradient check panel writes: its explanation and status lines, what a rating means, why the relative
error rises near a minimum, and the cells of its two tables (plain Python: the panel shows them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlp_gui.core.gradcheck import AMBER_THRESHOLD, PASS_THRESHOLD, ArrayCheck, entry_relative_errors, rating

#: gradients this small (reached near a minimum; ~1e-10 after 200,000 notebook epochs) sit within a few
#: decades of the finite differences' rounding noise (~1e-15), so their relative error rises
TINY_GRADIENT = 1e-8


def _power(value: float) -> str:
    """A threshold as people write it: ``1e-6`` rather than Python's ``1e-06``."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


EXPLANATION = (
    "Backprop finds every gradient in one backward pass. The check nudges one parameter at a time "
    "by ±h and measures how much the loss changes (central finite differences, FD, in extended precision). "
    "An array's relative error is ‖backprop − FD‖ / ‖backprop‖ over all its entries; the last column gives the "
    "worst single entry's. "
    f"If backprop is right the two agree: relative error below {_power(PASS_THRESHOLD)} is green, "
    f"below {_power(AMBER_THRESHOLD)} amber, otherwise red."
)

READY_TEXT = "Press Check now to compare backprop with finite differences at the current parameters."
NOTHING_TO_CHECK = "Nothing to check yet: start or open a run."
SHUT_DOWN_TEXT = "The gradient check has been shut down (the window is closing)."
NEAR_MINIMUM_HINT = " Near a minimum that is rounding, not a bug: see below."
STALE_SEPARATOR = "  ⟶ "

MARKS = {"green": "✓", "amber": "!", "red": "✗"}
SUMMARY_HEADERS = ["Array", "Shape", "Entries checked", "Rel. error (array)", "Worst entry", "Its abs. error",
                   "Worst rel. error (entry)"]
ENTRY_HEADERS = ["Entry", "Backprop", "Finite differences", "Abs. difference", "Rel. difference"]
#: what the summary's and the entries' columns hold, for their header tooltips
SUMMARY_TIPS = {
    3: "‖backprop − FD‖ / ‖backprop‖ over the array (the larger of the two norms below the line): one number per "
       "array, not per entry",
    4: "The entry with the largest absolute difference |backprop − FD|",
    6: "The largest relative error of a single entry, |backprop − FD| / max(|backprop|, |FD|), and which entry; "
       "coloured by the same rule",
}
ENTRY_TIPS = {4: "This entry's own relative error |backprop − FD| / max(|backprop|, |FD|)"}


def largest_gradient(check: ArrayCheck) -> float:
    """The largest |backprop gradient| among the checked entries (0 for an empty array)."""
    return float(np.max(np.abs(check.backprop))) if check.backprop.size else 0.0


def tiny_arrays(results: Sequence[ArrayCheck]) -> list[ArrayCheck]:
    """Arrays that miss green while all their checked gradients are below :data:`TINY_GRADIENT`."""
    return [r for r in results if r.checked and not r.passed and largest_gradient(r) < TINY_GRADIENT]


def entry_name(name: str, index: tuple[int, ...]) -> str:
    """``W1[2, 0]`` — an entry as NumPy indexing writes it."""
    return f"{name}[{', '.join(str(i) for i in index)}]"


def summary_text(results: Sequence[ArrayCheck], epoch: int | None, seconds: float) -> str:
    """One line: the verdict over all arrays, the epoch checked and how long it took."""
    worst = max(results, key=lambda r: (not np.isfinite(r.rel_error), r.rel_error))
    where = f"at epoch {epoch:,} " if epoch is not None else ""
    took = f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"
    if all(r.passed for r in results):
        verdict = f"backprop agrees with finite differences in all {len(results)} arrays (worst {worst.rel_error:.1e})."
    else:
        verdict = f"largest relative error {worst.rel_error:.1e}, in {worst.name}."
    return f"Checked {where}in {took}: {verdict}"


def results_text(results: Sequence[ArrayCheck], epoch: int | None, seconds: float) -> str:
    """The status for a set of results: the summary (with a pointer to the note near a minimum), or the ready text."""
    if not results:
        return READY_TEXT
    return summary_text(results, epoch, seconds) + (NEAR_MINIMUM_HINT if tiny_arrays(results) else "")


def stale_text(results_epoch: int | None, current_epoch: int | None) -> str:
    """What to add to the status when the run has moved on since the results were computed; else ``''``."""
    if results_epoch is None or current_epoch is None or results_epoch == current_epoch:
        return ""
    return f"{STALE_SEPARATOR}the run is now at epoch {current_epoch:,}: press Check now to check again."


def tiny_note(results: Sequence[ArrayCheck]) -> str:
    """Why the relative error rises near a minimum, if that explains a non-green array; else ``''``."""
    tiny = tiny_arrays(results)
    if not tiny:
        return ""
    sizes = ", ".join(f"{r.name} up to {largest_gradient(r):.0e}" for r in tiny)
    noise = max(r.worst_abs_error for r in tiny)
    return (
        f"Near a minimum the gradients are tiny ({sizes}). Nudging a parameter then changes the loss by "
        f"hardly more than the loss's own rounding error, so the finite differences carry rounding noise "
        f"(about {noise:.0e} here) that is no longer small next to the gradient, and the relative error rises. "
        "That is a limit of the arithmetic, not a bug in backprop."
    )


def failure_text(exc: BaseException) -> str:
    """An exception as one line (its first line only): the status shows it, the log keeps the traceback."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def grade_meaning(grade: str) -> str:
    """What a rating means, with the core's thresholds."""
    return {
        "green": f"below {_power(PASS_THRESHOLD)}: backprop is right",
        "amber": f"below {_power(AMBER_THRESHOLD)}: look closer (near a minimum this is rounding)",
        "red": f"{_power(AMBER_THRESHOLD)} or more: backprop and the loss disagree",
    }[grade]


def describe_epoch(epoch: int | None) -> str:
    """``the parameters at epoch 1,000`` (or just ``the parameters`` when the epoch is unknown)."""
    return f"the parameters at epoch {epoch:,}" if epoch is not None else "the parameters"


def summary_cells(check: ArrayCheck) -> list[tuple[str, bool]]:
    """The summary row of one array: (text, numeric) per column of :data:`SUMMARY_HEADERS`."""
    sampled = "" if check.checked == check.total else " (sampled)"
    return [
        (check.name, False),
        ("×".join(str(n) for n in check.shape) or "—", False),
        (f"{check.checked:,} of {check.total:,}{sampled}", False),
        (f"{MARKS[check.rating]} {check.rel_error:.1e}", True),
        (entry_name(check.name, check.worst_index), False),
        (f"{check.worst_abs_error:.1e}", True),
        (worst_entry_text(check), True),
    ]


def worst_entry_text(check: ArrayCheck) -> str:
    """``! 9.0e-06 at b1[1]``: the largest per-entry relative error with its rating mark and entry."""
    index, error = check.worst_entry
    if not index:
        return "—"
    return f"{MARKS[rating(error)]} {error:.1e} at {entry_name(check.name, index)}"


def entry_cells(name: str, index: tuple[int, ...], backprop: float, numeric: float) -> list[tuple[str, bool]]:
    """One checked entry: (text, numeric) per column of :data:`ENTRY_HEADERS`."""
    [relative] = entry_relative_errors(np.array([backprop]), np.array([numeric]))
    return [(entry_name(name, index), False), (f"{backprop: .10e}", True), (f"{numeric: .10e}", True),
            (f"{abs(backprop - numeric):.1e}", True), (f"{MARKS[rating(relative)]} {relative:.1e}", True)]


def worst_row(results: Sequence[ArrayCheck]) -> int:
    """The row to open first: the largest relative error (NaN counts as the largest)."""
    errors = [r.rel_error if np.isfinite(r.rel_error) else np.inf for r in results]
    return int(np.argmax(errors))
