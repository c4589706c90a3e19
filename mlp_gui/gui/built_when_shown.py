"""Plots made when their view is first shown: most sessions never open most tabs, and a pyqtgraph plot costs tens of
milliseconds to make, which every new window paid for each hidden tab.

A view mixes in :class:`BuiltWhenShown` and writes ``_build_plots()``, which makes its plots and draws on them
everything the view holds so far (it keeps following its session while hidden, in plain data). That runs once, just
before the view is first shown (before its layout is laid out, so the plots take the room they always did), or when
something outside first reads one of its plot parts (declared with :class:`Built`), whichever comes first.
"""

from __future__ import annotations

from typing import Any


class Built:
    """A plot part of a :class:`BuiltWhenShown` view (``plot = Built()`` in its class): reading it before the view was
    shown builds the plots then, so a reader always finds it; the view's own code draws on it only once built."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_built_{name}"

    def __get__(self, view: Any, owner: type | None = None) -> Any:
        if view is None:
            return self
        view.build_plots()
        return getattr(view, self.slot)

    def __set__(self, view: Any, value: Any) -> None:
        setattr(view, self.slot, value)


class BuiltWhenShown:
    """Mixed into a QWidget (before it in the bases): :meth:`build_plots` runs ``_build_plots()`` once, when the widget
    is first shown, shown with its parent, or a :class:`Built` part of it is read."""

    _plots_built = False

    @property
    def plots_built(self) -> bool:
        """Whether the plots exist yet (a view never shown has none)."""
        return self._plots_built

    def build_plots(self) -> None:
        """Make the plots now (once) and draw what the view holds on them."""
        if self._plots_built:
            return
        self._plots_built = True
        self._build_plots()

    def _build_plots(self) -> None:
        raise NotImplementedError

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt naming
        if visible:
            self.build_plots()  # before Qt lays the view out: its plots get their room at once
        super().setVisible(visible)  # type: ignore[misc]

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        self.build_plots()  # shown with its parent (never shown or hidden by itself)
        super().showEvent(event)  # type: ignore[misc]


__all__ = ["Built", "BuiltWhenShown"]
