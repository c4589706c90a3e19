"""Counts in words, ``1 epoch`` and ``2 epochs``: every message that counts something says it with :func:`count`."""

from __future__ import annotations


def count(n: int, word: str, plural: str = "") -> str:
    """``1 epoch``, ``2 epochs``, ``1,000 epochs``; ``plural`` for a word that does not just add an s (``losses``)."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"
