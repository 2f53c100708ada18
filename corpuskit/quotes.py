"""Stage 3, quotes: find statements and the speaker mentions tied to them.

STUB: finds nothing; the quotes issue replaces it.
"""

from __future__ import annotations


def extract(text: str, paragraphs: list[tuple[int, int, bool]], meta: dict) -> tuple[list[dict], list[dict]]:
    """Quotes of one document, and the speaker entities they point to.

    Quote rows: paragraph, kind, speaker (document-local canonical name or None), speaker_start,
    speaker_end, cue, cue_start, cue_end, start, end. Entity rows: speaker, kind, role,
    organization, aliases (list).
    """
    return [], []
