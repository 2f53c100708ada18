"""Shared text primitives: the one definition of a word used for counts, frames and contrasts."""

from __future__ import annotations

import re

# A word: letters/digits with inner apostrophes or hyphens (don't, self-defence, 2,000 -> "2,000").
WORD_RE = re.compile(r"[^\W_]+(?:[’'\-.,][^\W_]+)*", re.UNICODE)
# WORD_RE with possessive repeats, for counting: the same matches (nothing after a repeat could
# make it give characters back), found faster as the engine keeps no backtracking state. In a
# text without "_", [^\W_] is \w, which the engine tests faster still.
_WORD_COUNT_RE = re.compile(r"[^\W_]++(?:[’'\-.,][^\W_]++)*+")
_WORD_COUNT_NO_UNDERSCORE_RE = re.compile(r"\w++(?:[’'\-.,]\w++)*+")


def words(text: str) -> list[str]:
    """Lower-cased words of `text`."""
    return [m.group().lower() for m in WORD_RE.finditer(text)]


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words of `text`."""
    return [m.span() for m in WORD_RE.finditer(text)]


def count_words(text: str) -> int:
    """Number of words in `text`."""
    pattern = _WORD_COUNT_RE if "_" in text else _WORD_COUNT_NO_UNDERSCORE_RE
    return len(pattern.findall(text))
