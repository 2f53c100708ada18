"""Shared text primitives: the one definition of a word used for counts, frames and contrasts."""

from __future__ import annotations

import re

# A word: letters/digits with inner apostrophes or hyphens (don't, self-defence, 2,000 -> "2,000").
WORD_RE = re.compile(r"[^\W_]+(?:[’'\-.,][^\W_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased words of `text`."""
    return [m.group().lower() for m in WORD_RE.finditer(text)]


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words of `text`."""
    return [m.span() for m in WORD_RE.finditer(text)]


def count_words(text: str) -> int:
    """Number of words in `text`."""
    return sum(1 for _ in WORD_RE.finditer(text))
