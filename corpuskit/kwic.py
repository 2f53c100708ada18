"""Keyword in context: every occurrence of a word, phrase or `defen*` wildcard, with its speaker."""

from __future__ import annotations

import re
from bisect import bisect_right

import pandas as pd

from corpuskit.errors import UsageError
from corpuskit.text import WORD_RE

COLUMNS = ["doc_id", "quote_id", "speaker", "left", "match", "right", "start", "end"]


def compile_pattern(pattern: str) -> re.Pattern:
    """A case-insensitive regex for a word or phrase; `*` matches the rest of a word.

    Words of a phrase may be separated by any spaces or punctuation ("self defence" matches
    "self-defence"); apostrophes match either form (’ or ').
    """
    words = pattern.split() if pattern else []
    words = [w for part in words for w in re.split(r"-", part) if w]
    if not words or all(set(w) <= {"*"} for w in words):
        raise UsageError(f"kwic pattern {pattern!r} has no word to search for")
    parts = []
    for word in words:
        pieces = [re.sub(r"['’]", "['’]", re.escape(p)) for p in word.split("*")]
        parts.append(r"[^\W_]*".join(pieces))
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(parts) + r"(?![^\W_])", re.IGNORECASE)


def kwic(corpus, pattern: str, window: int = 8) -> pd.DataFrame:
    """One row per match in the documents' text: `window` words each side and the speaker if quoted."""
    if window < 0:
        raise UsageError("kwic window must be 0 or more words")
    regex = compile_pattern(pattern)
    documents = getattr(corpus, "documents", None)
    if documents is None or documents.empty:
        return pd.DataFrame(columns=COLUMNS)
    spans = _quote_spans(getattr(corpus, "quotes", None))
    rows = []
    for doc_id, text in zip(documents["doc_id"], documents["text"].fillna(""), strict=True):
        words = None
        for m in regex.finditer(text):
            if words is None:
                words = [w.span() for w in WORD_RE.finditer(text)]
                starts = [s for s, _ in words]
            start, end = m.span()
            first = bisect_right(starts, start - 1)  # first word starting at or after the match
            last = bisect_right(starts, end - 1)  # first word starting after the match
            left_start = words[max(0, first - window)][0] if first and window else start
            right_end = words[min(len(words), last + window) - 1][1] if window else end
            right_end = max(right_end, end)
            quote_id, speaker = _speaker_at(spans.get(doc_id), start, end)
            rows.append(
                {
                    "doc_id": doc_id,
                    "quote_id": quote_id,
                    "speaker": speaker,
                    "left": _flat(text[left_start:start]),
                    "match": m.group(),
                    "right": _flat(text[end:right_end]),
                    "start": start,
                    "end": end,
                }
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({"start": "int64", "end": "int64"})


def _flat(context: str) -> str:
    """Context on one line: runs of white space as single spaces."""
    return " ".join(context.split())


def _quote_spans(quotes) -> dict[str, tuple[list[int], list[tuple[int, int, str, str]]]]:
    """Per document, quotes sorted by start, for lookup of the quote around a match."""
    out: dict = {}
    if quotes is None or quotes.empty:
        return out
    for doc_id, group in quotes.groupby("doc_id", sort=False):
        group = group.sort_values(["start", "end"], kind="stable")
        items = list(
            zip(group["start"], group["end"], group["quote_id"], group["speaker"], strict=True)
        )
        out[doc_id] = ([int(s) for s, *_ in items], items)
    return out


def _speaker_at(spans, start: int, end: int) -> tuple[str | None, str | None]:
    """The innermost quote containing [start, end): its id and speaker (None if unattributed)."""
    if not spans:
        return None, None
    starts, items = spans
    best = None
    for q_start, q_end, quote_id, speaker in items[: bisect_right(starts, start)]:
        if (
            q_start <= start
            and end <= q_end
            and (best is None or q_end - q_start < best[1] - best[0])
        ):
            best = (q_start, q_end, quote_id, speaker)
    if best is None:
        return None, None
    speaker = best[3] if isinstance(best[3], str) else None
    return best[2], speaker
