"""Stage 3, quotes: find statements (who said what) and the speaker mentions tied to them.

The stage entry point. A document is a transcript when its metadata names a speaker or its lines
open with speaker prefixes (corpuskit.transcripts); otherwise it is news prose, whose quotes and
reported speech are tied to cues and speaker mentions by corpuskit.attribution (built on
quotemarks, mentions, coreference and the cues lexicon).
"""

from __future__ import annotations

import bisect
import re

from corpuskit.attribution import Extractor
from corpuskit.cues import lexicon
from corpuskit.quotemarks import line_units
from corpuskit.transcripts import transcript_speakers, transcript_turns

__all__ = ["extract", "extract_news", "lexicon"]

ACRONYM_RE = re.compile(r"\s*\([A-Z]{2,}\)")  # `Department of Homeland Security (DHS)`


def _row(paragraph, kind, start, end, speaker, mention, cue_span, cue_text) -> dict:
    lex = lexicon()
    return {
        "paragraph": paragraph,
        "kind": kind,
        "speaker": speaker,
        "speaker_start": mention[0] if mention else None,
        "speaker_end": mention[1] if mention else None,
        "cue": cue_text,
        "cue_lemma": lex.cue_lemma.get(cue_text) if cue_text else None,
        "cue_start": cue_span[0] if cue_span else None,
        "cue_end": cue_span[1] if cue_span else None,
        "start": start,
        "end": end,
    }


def _paragraph_finder(paragraphs):
    """pos -> index of the first paragraph ending after pos (the last one for later positions)."""
    ends = [pe for _, pe, _ in paragraphs]

    def find(pos: int) -> int:
        return min(bisect.bisect_right(ends, pos), len(paragraphs) - 1)

    return find


def extract(
    text: str, paragraphs: list[tuple[int, int, bool]], meta: dict
) -> tuple[list[dict], list[dict]]:
    """Quotes of one document, and the speaker entities they point to.

    Quote rows: paragraph, kind, speaker (document-local canonical name or None), speaker_start,
    speaker_end, cue, cue_lemma, cue_start, cue_end, start, end. Entity rows: speaker, kind, role,
    organization, aliases (list).
    """
    if not text or not text.strip():
        return [], []
    paragraphs = [p for p in (paragraphs or []) if p[1] > p[0]] or [(0, len(text), False)]
    speaker = (meta or {}).get("speaker")
    if isinstance(speaker, str) and speaker.strip():
        rows = [
            _row(i, "transcript", s, e, speaker.strip(), None, None, None)
            for i, (s, e, _) in enumerate(paragraphs)
        ]
        entity = {
            "speaker": speaker.strip(),
            "kind": "person",
            "role": None,
            "organization": None,
            "aliases": [speaker.strip()],
        }
        return rows, [entity]
    turns = transcript_turns(text, paragraphs)
    if turns:
        paragraph_of = _paragraph_finder(paragraphs)
        names, entities = transcript_speakers(turns)
        rows = [
            _row(
                paragraph_of(t.start),
                "transcript",
                t.start,
                t.end,
                name,
                (t.name_start, t.name_end),
                None,
                None,
            )
            for t, name in zip(turns, names, strict=True)
        ]
        return rows, entities
    return extract_news(text, paragraphs)


def extract_news(text: str, paragraphs) -> tuple[list[dict], list[dict]]:
    """Statements of news prose: direct, mixed, indirect and scare quotes."""
    units, owner = line_units(text, paragraphs)
    ex = Extractor(text, units)
    statements = ex.run()
    rows, used = [], {}
    for st in statements:
        st.paragraph = owner[st.paragraph]
        ent = st.entity
        if ent is not None:
            used[id(ent)] = ent
        mention = (st.mention.start, st.mention.end) if st.mention else None
        cue_text = text[st.cue[0] : st.cue[1]] if st.cue else None
        rows.append(
            _row(
                st.paragraph,
                st.kind,
                st.start,
                st.end,
                ent.name if ent else None,
                mention,
                st.cue,
                cue_text,
            )
        )
    # canonical names may have grown (Frey -> Jacob Frey) after a row was made
    for row, st in zip(rows, statements, strict=True):
        if st.entity is not None:
            row["speaker"] = st.entity.name
    orgs = [e.name for e in ex.resolver.entities if e.kind == "organization"]
    orgs += [e.organization for e in ex.resolver.entities if e.organization]
    orgs += list(ex.acronyms.values())
    orgs = [ACRONYM_RE.sub("", o).strip() for o in orgs]
    entities = []
    for ent in sorted(used.values(), key=lambda e: e.name):
        org = ent.organization
        if org:
            org = ACRONYM_RE.sub("", org).strip()
            longer = [o for o in orgs if org in o and o != org]
            org = longer[0] if longer else org
        entities.append(
            {
                "speaker": ent.name,
                "kind": ent.kind,
                "role": ent.role,
                "organization": org or None,
                "aliases": sorted(ent.aliases | {ent.name}),
            }
        )
    return rows, entities
