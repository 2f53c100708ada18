"""Stage 2, segment: paragraphs (with sub-headings) and sentences, as character offsets.

STUB: naive splitting; the readers/segmentation issue replaces it.
"""

from __future__ import annotations

import re

PARA_RE = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")
SENT_RE = re.compile(r"[^.!?]+(?:[.!?]+[”\"’']?|$)")


def paragraphs(text: str) -> list[tuple[int, int, bool]]:
    """Non-empty paragraphs as (start, end, is_heading)."""
    out = []
    for m in PARA_RE.finditer(text):
        s, e = m.span()
        chunk = text[s:e]
        s += len(chunk) - len(chunk.lstrip())
        e -= len(chunk) - len(chunk.rstrip())
        if e > s:
            out.append((s, e, False))
    return out


def sentences(text: str, paras: list[tuple[int, int, bool]]) -> list[tuple[int, int, int]]:
    """Sentences as (paragraph index, start, end)."""
    out = []
    for i, (ps, pe, _) in enumerate(paras):
        for m in SENT_RE.finditer(text, ps, pe):
            s, e = m.span()
            chunk = text[s:e]
            s += len(chunk) - len(chunk.lstrip())
            e -= len(chunk) - len(chunk.rstrip())
            if e > s:
                out.append((i, s, e))
    return out
