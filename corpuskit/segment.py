"""Stage 2, segment: paragraphs (with sub-headings) and sentences, as character offsets.

Plain regular expressions and one pass per paragraph, so it keeps up with millions of words.
The rules (documented in docs/inputs.md):

* Paragraphs are separated by blank lines. A text with no blank line but several lines (a
  transcript, a CSV cell) has one paragraph per line; a line that starts lower-case continues
  the line before (hard-wrapped text). A line opening `NAME:` (transcript turn) always starts a
  paragraph.
* A sub-heading is a short paragraph (at most 10 words and 80 characters) that has a letter,
  starts with a capital or digit, does not start with a quotation mark, does not end with
  punctuation, is not a `NAME:` turn and is not the last paragraph; or a Markdown `# heading`.
  Only blank-line separated texts have sub-headings (in a transcript a short line is an
  utterance). A heading has no sentence rows: it is a title, not a sentence of the text.
* Sentences end at `.`, `!`, `?` or `…` (plus closing quotes/brackets) followed by white space,
  except before a lower-case word (“Shame!” they chanted.), after an abbreviation or initial
  (Mr., U.S., John F. Kennedy; see data/abbreviations.txt), or inside a quotation after fewer
  than three words (“Shame! Shame! Shame!”); a sentence has at least one letter or digit
  (a leading "... " is not a sentence). Quotation marks are tracked per paragraph, so an
  unclosed quotation never spills over.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

Span = tuple[int, int, bool]

BLANK_LINE_RE = re.compile(r"\n[ \t\f\v\u00a0]*\n")
# A line without its leading and trailing white space: from its first to its last non-space.
TRIMMED_LINE_RE = re.compile(r"\S(?:[^\n]*\S)?")
NAME_TURN_RE = re.compile(r"[A-Z][A-Z.'’\- ]{0,40}[A-Z.]:")  # "BARACK OBAMA:", "MR. ROMNEY:"
FINAL_PUNCT = ".,;:!?…\"“”'’‘«»)]}-–—/\\*"
OPENING_QUOTES = "\"“‘'«"
MARKDOWN_HEADING_RE = re.compile(r"#{1,6}[ \t]+\S")
MAX_HEADING_WORDS = 10
MAX_HEADING_CHARS = 80

# A mark that matters to sentence ends: a quotation mark (to track whether a candidate lies
# inside a quotation), or terminal punctuation. Terminal punctuation followed by closing
# quotes/brackets and white space is a sentence-end candidate, and then group `close` matched.
# The pattern opens with one character class, so the regex engine skips from mark to mark
# instead of trying an alternation at every character.
QUOTE_MARKS = '“”"'
BREAK_RE = re.compile(r"[“”\".!?…](?:(?<=[.!?…])[.!?…]*(?P<close>[”\"’')\]]*)(?=\s))?")
TOKEN_WINDOW = 40  # characters looked back for the token before a dot
NEXT_WORD_RE = re.compile(r"\s+[\"“‘'«(\[]*(\w[\w’'\-]*)?")
LETTER_DOTS_RE = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]\Z")  # "U.S", "a.m", "F" (before the dot)
WORD_CHAR_RE = re.compile(r"[^\W_]")
MIN_WORDS_IN_QUOTE = 3


@lru_cache(maxsize=1)
def abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    """(title abbreviations, other abbreviations) from data/abbreviations.txt, without final dot."""
    sections: dict[str, set[str]] = {"title": set(), "other": set()}
    current = None
    text = resources.files("corpuskit").joinpath("data/abbreviations.txt").read_text("utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections[line[1:-1]]
        elif current is not None:
            current.add(line.rstrip("."))
    return frozenset(sections["title"]), frozenset(sections["other"])


@lru_cache(maxsize=1)
def sentence_starters() -> frozenset[str]:
    """Lower-cased words that usually open a sentence, from data/sentence_starters.txt."""
    text = resources.files("corpuskit").joinpath("data/sentence_starters.txt").read_text("utf-8")
    return frozenset(
        w.strip() for w in text.splitlines() if w.strip() and not w.lstrip().startswith("#")
    )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _blocks(text: str) -> list[tuple[int, int]]:
    """Trimmed, non-empty spans of `text` between blank lines."""
    out, pos = [], 0
    for m in BLANK_LINE_RE.finditer(text):
        out.append(_trim(text, pos, m.start()))
        pos = m.end()
    out.append(_trim(text, pos, len(text)))
    return [(s, e) for s, e in out if e > s]


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Trimmed, non-empty lines of text[start:end]."""
    return [m.span() for m in TRIMMED_LINE_RE.finditer(text, start, end)]


def is_turn(line: str) -> bool:
    """True when `line` opens with a transcript speaker label such as `BARACK OBAMA:`."""
    return NAME_TURN_RE.match(line) is not None


def _looks_like_heading(line: str) -> bool:
    """A short line with a capital first, no final punctuation, not a quotation or a turn;
    or a Markdown heading line (`## Why it matters`)."""
    if len(line) > MAX_HEADING_CHARS or "\n" in line:
        return False
    if MARKDOWN_HEADING_RE.match(line):
        return True
    if line[0] in OPENING_QUOTES or line[-1] in FINAL_PUNCT:
        return False
    if not (line[0].isupper() or line[0].isdigit()) or not any(c.isalpha() for c in line):
        return False
    return len(line.split()) <= MAX_HEADING_WORDS and not is_turn(line)


def _split_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a blank-line block before each `NAME:` turn and after a leading heading line."""
    lines = _lines(text, start, end)
    if len(lines) == 1:
        return lines
    out = [list(lines[0])]
    for i, (s, e) in enumerate(lines[1:], start=1):
        prev_s, prev_e = lines[i - 1]
        heading_above = i == 1 and _looks_like_heading(text[prev_s:prev_e])
        if is_turn(text[s:e]) or (heading_above and not text[s].islower()):
            out.append([s, e])
        else:
            out[-1][1] = e
    return [(s, e) for s, e in out]


def _join_continuations(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge a line that starts lower-case into the line before (hard-wrapped text)."""
    out: list[list[int]] = []
    for s, e in lines:
        if out and text[s].islower():
            out[-1][1] = e
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def paragraphs(text: str) -> list[Span]:
    """Non-empty paragraphs as (start, end, is_heading), in order, trimmed of white space."""
    blocks = _blocks(text)
    line_mode = len(blocks) == 1 and "\n" in text[blocks[0][0] : blocks[0][1]]
    if line_mode:
        spans = _join_continuations(text, _lines(text, *blocks[0]))
        return [(s, e, False) for s, e in spans]
    spans: list[tuple[int, int]] = []
    for s, e in blocks:
        if text.find("\n", s, e) < 0:  # a one-line block (the usual case): nothing to split
            spans.append((s, e))
        else:
            spans.extend(_split_block(text, s, e))
    last = len(spans) - 1
    return [
        (s, e, i < last and e - s <= MAX_HEADING_CHARS and _looks_like_heading(text[s:e]))
        for i, (s, e) in enumerate(spans)
    ]


def _token_before(text: str, pos: int) -> str:
    """The non-space characters just before `pos` (at most TOKEN_WINDOW of them)."""
    window = text[max(0, pos - TOKEN_WINDOW) : pos]
    if not window or window[-1].isspace():
        return ""
    return window.rsplit(None, 1)[-1]


def _is_break(
    text: str, start: int, end: int, punct: str, in_quote: bool, piece_start: int
) -> bool:
    """Whether the sentence-end candidate text[start:end] (terminal punctuation `punct`, then
    closing marks) really ends a sentence."""
    word = NEXT_WORD_RE.match(text, end).group(1)  # the candidate is followed by white space
    if word and word[0].islower():
        return False
    if punct == ".":
        token = _token_before(text, start).lstrip("\"“‘'«([")
        titles, others = abbreviations()
        if token in titles:
            return False
        if token in others or LETTER_DOTS_RE.match(token):
            if not word or word[0].isdigit():
                return False
            return word.lower() in sentence_starters()
    if in_quote:
        return len(text[piece_start:start].split(None, MIN_WORDS_IN_QUOTE)) >= MIN_WORDS_IN_QUOTE
    return True


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of the paragraph text[start:end] as trimmed spans."""
    out = []
    sent_start = piece_start = start
    curly, straight = 0, False
    has_word = False  # whether text[sent_start:candidate] has a letter or digit; stays true
    for m in BREAK_RE.finditer(text, start, end):
        cand_start, cand_end = m.span()
        mark = text[cand_start]
        if mark in QUOTE_MARKS:
            if mark == "“":
                curly += 1
                piece_start = cand_end
            elif mark == "”":
                curly = max(0, curly - 1)
            else:
                straight = not straight
                piece_start = cand_end if straight else piece_start
            continue
        close = m.group("close")
        if close is None:  # terminal punctuation inside a token ("U.S", "2.5") or before a mark
            continue
        for c in close:
            if c == "”":
                curly = max(0, curly - 1)
            elif c == '"':
                straight = False
        if not has_word:
            has_word = WORD_CHAR_RE.search(text, sent_start, cand_start) is not None
        punct = text[cand_start : cand_end - len(close)]
        if has_word and _is_break(
            text, cand_start, cand_end, punct, curly > 0 or straight, piece_start
        ):
            out.append(_trim(text, sent_start, cand_end))
            sent_start = piece_start = cand_end
            has_word = False
    out.append(_trim(text, sent_start, end))
    return [(s, e) for s, e in out if e > s]


def sentences(text: str, paras: list[Span]) -> list[tuple[int, int, int]]:
    """Sentences as (paragraph index, start, end); headings have none."""
    out = []
    for i, (ps, pe, is_heading) in enumerate(paras):
        if is_heading:
            continue
        out.extend((i, s, e) for s, e in _sentence_spans(text, ps, pe))
    return out
