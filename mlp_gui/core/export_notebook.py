"""An exported run as a Jupyter notebook: the cells of :mod:`mlp_gui.core.export_code` in nbformat 4.5 JSON.

The JSON is a small dict written here (no Jupyter package is needed to write it); the tests validate it with
``nbformat`` and run it with ``nbclient`` where they are installed. Code cells are unexecuted (no outputs), so
the student runs them and sees the notebook's printout appear.
"""

from __future__ import annotations

import json

from mlp_gui.core.export_code import Cell

NBFORMAT, NBFORMAT_MINOR = 4, 5


def _source(text: str) -> list[str]:
    """A cell's source as nbformat keeps it: lines, each but the last with its newline."""
    return text.splitlines(keepends=True)


def _cell(index: int, kind: str, text: str) -> dict:
    cell = {"cell_type": kind, "id": f"cell-{index}", "metadata": {}, "source": _source(text)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _markdown(text: str, command: str) -> str:
    """The title cell: the first paragraph as a heading, the command that trains the run as a code block, the rest."""
    first, *rest = text.split("\n\n")
    return "\n\n".join(["## " + first.replace("\n", " "), "The run's settings, as a command:", f"```\n{command}\n```", *rest])


def notebook_json(cells: list[Cell], command: str) -> str:
    """The notebook's JSON text (nbformat 4): the markdown title with ``command``, then the code cells in order."""
    made = [_cell(i, kind, _markdown(text, command) if kind == "markdown" else text) for i, (kind, text) in enumerate(cells)]
    notebook = {
        "cells": made,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


__all__ = ["NBFORMAT", "NBFORMAT_MINOR", "notebook_json"]
