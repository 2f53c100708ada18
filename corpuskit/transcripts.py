"""Transcripts: texts whose lines open with a speaker prefix (`NAME:`), one statement per turn."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from corpuskit.cues import lexicon
from corpuskit.mentions import STOP_CAPS

TRANSCRIPT_RE = re.compile(
    r"(?P<name>(?:[A-Z][A-Z.’'\-]*\.?)(?:\s+[A-Z][A-Z.’'\-]*\.?){0,4}(?:\s+\([A-Z\-]+\))?)"
    r":[ \t]*"
)

TITLE_PREFIX_RE = re.compile(
    r"(?P<name>(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Prof|Rev|Sec)\.\s+)?"
    r"[A-Z][\w’'\-]*(?:\s+[A-Z][\w’'\-]*\.?){0,3}):[ \t]+(?=\S)"
)
UNNAMED_TURNS = ("Q", "A")
UNNAMED_RE = re.compile(r"(?P<name>[QA]):[ \t]+")
NOT_SPEAKERS = frozenset(
    "NOTE EDITOR'S NOTE EDITOR’S NOTE UPDATE CORRECTION CLARIFICATION WARNING BREAKING WATCH "
    "READ MORE RELATED ADVERTISEMENT PHOTO PHOTOS VIDEO SOURCE SOURCES CREDIT EDT EST GMT UTC "
    "AP Q A MORE ALSO READ LIVE WATCH LIVE LISTEN SUBSCRIBE SIGN UP FILE CAPTION UPDATED "
    "DEVELOPING EXCLUSIVE ANALYSIS OPINION TOPLINE BACKGROUND CONTEXT YES NO TIP TIPS FACT CHECK "
    "ALERT URGENT FLASH BULLETIN ADVISORY DISCLAIMER DISCLOSURE SPONSORED EDITOR".split(" ")
)


@dataclass(frozen=True)
class Turn:
    """One transcript unit: the spoken text, the speaker's name and where the prefix names it."""

    start: int
    end: int
    name: str | None
    name_start: int | None = None
    name_end: int | None = None


def _lines(text: str, paragraphs) -> list[tuple[int, int]]:
    lines = []
    for ps, pe, _ in paragraphs:
        pos = ps
        for line in text[ps:pe].split("\n"):
            lines.append((pos, pos + len(line)))
            pos += len(line) + 1
    return lines


def _upper_hits(text: str, lines) -> dict[int, re.Match]:
    hits = {}
    for ls, le in lines:
        m = TRANSCRIPT_RE.match(text, ls, le)
        if (
            m
            and not set(m.group("name").upper().split()) & NOT_SPEAKERS
            and any(c.isalpha() for c in m.group("name"))
        ):
            hits[ls] = m
    if not hits:
        return {}
    names = [m.group("name") for m in hits.values()]
    if len(hits) < 2 and len(names[0].split()) < 2:
        return {}
    if len(hits) < 3 and len(set(names)) == len(hits) and len(names[0].split()) < 2:
        return {}
    return hits


def _title_hits(text: str, lines) -> dict[int, re.Match]:
    """`Trump: …`, `Mr. Smith: …` prefixes, kept only when they recur over several lines
    (at least three, a third of the lines, one name twice), so a headline such as
    `Trump: ‘We will win’` or a `Note:` line in news prose does not make a transcript."""
    hits = {}
    for ls, le in lines:
        m = TITLE_PREFIX_RE.match(text, ls, le)
        if m is None:
            continue
        words = m.group("name").replace(".", " ").split()
        if words[0] in STOP_CAPS or set(w.upper() for w in words) & NOT_SPEAKERS:
            continue
        hits[ls] = m
    filled = sum(1 for ls, le in lines if text[ls:le].strip())
    counts = Counter(m.group("name") for m in hits.values())
    if len(hits) < 3 or 3 * len(hits) < filled or max(counts.values()) < 2:
        return {}  # one-off labels (`Context:`, `Flashback:`) never name the same speaker twice
    return hits


def transcript_turns(text: str, paragraphs) -> list[Turn] | None:
    """The turns of a transcript, or None when the text is not one.

    A transcript has several lines opening with an upper-case `NAME:` (or one such line naming
    a multi-word speaker at the top), or recurring title-case prefixes (`Trump:`, `Mr. Smith:`);
    `Note:` or `UPDATE:` in news prose does not make one. `Q:` and `A:` end the previous turn
    but name nobody, so their turns are left unattributed (not returned).
    """
    if ":" not in text:
        return None  # every speaker prefix ends with a colon
    lines = _lines(text, paragraphs)
    hits = _upper_hits(text, lines) or _title_hits(text, lines)
    if not hits:
        return None
    for ls, le in lines:
        m = UNNAMED_RE.match(text, ls, le)
        if m is not None:
            hits[ls] = m
    units, speaker, span = [], None, None
    for ls, le in lines:
        m = hits.get(ls)
        start = ls
        if m is not None:
            speaker, start = m.group("name").strip(), m.end()
            span = (m.start("name"), m.start("name") + len(speaker))
            if speaker in UNNAMED_TURNS:
                speaker, span = None, None
        body = text[start:le]
        s = start + len(body) - len(body.lstrip())
        e = start + len(body.rstrip())
        if e > s and speaker is not None:
            units.append(Turn(s, e, speaker, *span))
    return units


def display_name(name: str) -> str:
    """`BARACK OBAMA` -> `Barack Obama`; mixed-case names are kept."""
    if not name.isupper():
        return name
    words = []
    for w in name.split():
        if "." in w.rstrip(".") or w.startswith("("):
            words.append(w)
        elif w.startswith("MC") and len(w) > 3:
            words.append("Mc" + w[2:].capitalize())
        else:
            words.append("-".join(p.capitalize() for p in w.split("-")))
    return " ".join(words)


def is_group_name(name: str) -> bool:
    words = name.lower().split()
    return words[-1] in lexicon().groups or bool({"audience", "crowd"} & set(words))


def transcript_speakers(turns: list[Turn]) -> tuple[list[str], list[dict]]:
    """The display name of each turn's speaker, and one entity row per speaker."""
    speakers, names = [], {}
    for turn in turns:
        speaker = display_name(turn.name)
        names.setdefault(speaker, set()).add(turn.name)
        speakers.append(speaker)
    entities = [
        {
            "speaker": n,
            "kind": "group" if is_group_name(n) else "person",
            "role": None,
            "organization": None,
            "aliases": sorted(a),
        }
        for n, a in sorted(names.items())
    ]
    return speakers, entities
