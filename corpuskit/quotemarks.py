"""Quoted spans of news prose: pairing quotation marks, masking quoted text, sentences.

Marks are paired per paragraph (a quote may run over several paragraphs when the next one opens
with a mark); quoted content is blanked in a same-length copy of the text so that sentence
splitting and the cue search only see the journalist's prose.
"""

from __future__ import annotations

import bisect
import re

OPEN_MARKS = "“«„"


CLOSE_MARKS = "”»"


STRAIGHT = '"'


MARK_RE = re.compile(r"[“”«»„\"]")


MASK = "x"
MAX_SENTENCE = 2000  # characters; longer "sentences" are run-on text cut at clause breaks


ABBREVIATIONS = frozenset(
    "mr mrs ms dr sen rep gov gen lt sgt capt col adm rev st jr sr prof inc corp co ltd no vs "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k d.c a.m p.m mt ft etc maj cmdr "
    "supt det insp gov.-elect pres".split()
)


BOUNDARY_RE = re.compile(r"[.!?]+[”\"’')\]]*(?=\s+(?:[“\"‘'(\[]|[A-Z0-9]))")


LAST_WORD_RE = re.compile(r"([\w.]+)\.$")  # the word a final dot ends


NICKNAME_RE = re.compile(r"[“\"][A-Z][\w’'.\-]*[”\"]")


def find_quotes(text: str, paragraphs: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """Quoted content spans (start, end) inside their marks; a quote left open at a paragraph
    end continues when the next paragraph opens with a mark, else it ends with the paragraph."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for i, (ps, pe, heading) in enumerate(paragraphs):
        if heading:
            continue
        resumed = open_at is not None
        for m in MARK_RE.finditer(text, ps, pe):
            ch, pos = m.group(), m.start()
            if resumed and ch in OPEN_MARKS + STRAIGHT and not text[ps:pos].strip():
                resumed = False
                continue
            resumed = False
            if open_at is None:
                if ch in OPEN_MARKS or ch == STRAIGHT:
                    open_at = pos + 1
            elif ch in CLOSE_MARKS or ch == STRAIGHT:
                if pos > open_at:
                    spans.append((open_at, pos))
                open_at = None
        if open_at is not None:
            nxt = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
            continues = nxt is not None and text[nxt[0] : nxt[1]].lstrip()[:1] in (
                OPEN_MARKS + STRAIGHT
            )
            if not continues:
                if pe > open_at:
                    spans.append((open_at, pe))
                open_at = None
    return spans


SINGLE_OPEN_RE = re.compile(r"(?:(?<=^)|(?<=[\s(\[—–]))['‘](?=[A-Za-z])", re.M)
SINGLE_CLOSE_RE = re.compile(r"(?<=[\w.,!?…])['’](?=[\s.,;:!?)\]—–]|$)", re.M)


def single_quotes(text: str, paragraphs, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in single marks used as primary quotation marks (`'We will not back down':` in
    headlines, British style ‘…’), outside double-quoted spans. An opening mark follows a space
    and precedes a letter, a closing one follows a word or punctuation and precedes a space or
    punctuation, so apostrophes (`don't`, `the '90s`, `states' rights`) pair with nothing."""
    inside = sorted(taken)
    starts = [a for a, _ in inside]

    def quoted(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and inside[i][0] - 1 <= pos <= inside[i][1]

    spans = []
    for ps, pe, heading in paragraphs:
        if heading or (text.find("'", ps, pe) < 0 and text.find("‘", ps, pe) < 0):
            continue  # no opening mark in the paragraph
        closes = [
            m.start() for m in SINGLE_CLOSE_RE.finditer(text, ps, pe) if not quoted(m.start())
        ]
        pos = ps
        for m in SINGLE_OPEN_RE.finditer(text, ps, pe):
            if m.start() < pos or quoted(m.start()):
                continue
            k = bisect.bisect_right(closes, m.start())
            if k == len(closes):
                break
            end = closes[k]
            body = text[m.end() : end]
            if len(body.strip()) < 3 or any(ch in body for ch in '"“”') or "\n" in body:
                continue
            spans.append((m.end(), end))
            pos = end + 1
    return spans


def is_title(body: str) -> bool:
    """A show, book or film title: up to six words, each capitalized or a short function word."""
    words = body.strip(" .,").split()
    small = {"of", "the", "a", "an", "and", "in", "on", "for", "to", "with"}
    return 0 < len(words) <= 6 and all(w[:1].isupper() or w in small for w in words)


NICKNAME_BODY_RE = re.compile(r"[A-Z][\w’'.\-]*(?: [A-Z][\w’'.\-]*)?")  # one or two names


def is_nickname(text: str, s: int, e: int) -> bool:
    """`Emanuel “Chris” Welch`: a quoted capitalized word between two names is not a quote."""
    body = text[s:e]
    if not NICKNAME_BODY_RE.fullmatch(body):
        return False
    before = re.search(r"[A-Z][\w’'.\-]*\s+$", text[max(0, s - 30) : s - 1])
    after = re.match(r"\s+[A-Z]", text[e + 1 : e + 4])
    return bool(before and after)


def mask_quotes(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with quoted content blanked (same length), keeping a final . ! ? for sentence ends."""
    parts, last = [], 0
    for s, e in spans:
        body = text[s:e]
        keep = body.rstrip()[-1:] if body.rstrip()[-1:] in ".!?" else ""
        blank = "\n".join(MASK * len(line) for line in body.split("\n"))  # line breaks kept
        if keep:
            cut = len(body.rstrip()) - 1
            blank = blank[:cut] + keep + blank[cut + 1 :]
        parts.append(text[last:s])
        parts.append(blank)
        last = e
    parts.append(text[last:])
    return "".join(parts)


def sentence_spans(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of masked[start:end] as spans; abbreviations and initials do not end one."""
    out, s = [], start
    for m in BOUNDARY_RE.finditer(masked, start, end):
        if masked[m.start()] == ".":  # only a dot can end an abbreviation or an initial
            word = LAST_WORD_RE.search(masked, max(start, m.start() - 12), m.start() + 1)
            w = word.group(1).lower() if word else ""
            if w in ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
                continue
        out.append((s, m.end()))
        s = m.end()
        while s < end and masked[s].isspace():
            s += 1
    if s < end:
        out.append((s, end))
    if end - start <= MAX_SENTENCE or all(e - s <= MAX_SENTENCE for s, e in out):
        return out
    return [piece for span in out for piece in _bounded(masked, *span)]


def _bounded(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """A run-on sentence cut into pieces of at most MAX_SENTENCE characters at the last clause
    break (`;`, `,`, dash) or space, so later per-sentence work stays linear in the text."""
    out = []
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        cut = max(masked.rfind(ch, start + 1, limit) for ch in ";,—–")
        if cut <= start + MAX_SENTENCE // 2:
            cut = masked.rfind(" ", start + 1, limit)
        cut = cut + 1 if cut > start else limit
        out.append((start, cut))
        start = cut
        while start < end and masked[start].isspace():
            start += 1
    if start < end:
        out.append((start, end))
    return out


def line_units(text: str, paragraphs) -> tuple[list[tuple[int, int, bool]], list[int]]:
    """Paragraphs split at single line breaks when their lines read as paragraphs (most end a
    sentence), so quotes behave the same whether paragraphs are separated by blank lines or
    not; hard-wrapped prose stays whole. Returns (units, index of each unit's paragraph)."""
    units, owner = [], []
    for i, (ps, pe, heading) in enumerate(paragraphs):
        if text.find("\n", ps, pe) < 0:  # a single line
            units.append((ps, pe, heading))
            owner.append(i)
            continue
        lines = []
        pos = ps
        for line in text[ps:pe].split("\n"):
            if line.strip():
                lead = len(line) - len(line.lstrip())
                lines.append((pos + lead, pos + len(line.rstrip())))
            pos += len(line) + 1
        ends = sum(text[e - 1] in '.!?”"’:)' for _, e in lines)
        if len(lines) > 1 and ends * 2 >= len(lines):
            units += [(s, e, heading) for s, e in lines]
            owner += [i] * len(lines)
        else:
            units.append((ps, pe, heading))
            owner.append(i)
    return units, owner
