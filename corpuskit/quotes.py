"""Stage 3, quotes: find statements (who said what) and the speaker mentions tied to them.

A rule system for news attribution on plain strings and regular expressions: quotation marks are
paired per paragraph (a quote may run over several paragraphs), quoted text is masked so sentence
splitting and cue search only see the journalist's prose, then each quote (and each unquoted
sentence with a reporting verb) is tied to a cue and a speaker mention. Mentions are resolved to
document-local speakers (pronouns, surnames, "the mayor") by `Resolver`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

OPEN_MARKS = "“«„"
CLOSE_MARKS = "”»"
STRAIGHT = '"'
MARK_RE = re.compile(r"[“”«»„\"]")
MASK = "x"

ABBREVIATIONS = frozenset(
    "mr mrs ms dr sen rep gov gen lt sgt capt col adm rev st jr sr prof inc corp co ltd no vs "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k d.c a.m p.m mt ft etc maj cmdr "
    "supt det insp gov.-elect pres".split()
)
BOUNDARY_RE = re.compile(r"[.!?]+[”\"’)\]]*(?=\s+(?:[“\"‘(\[]|[A-Z0-9]))")
NICKNAME_RE = re.compile(r"[“\"][A-Z][\w’'.\-]*[”\"]")
POSSESSIVES = frozenset("his her their its our".split())
TOKEN_RE = re.compile(
    r"[“\"][A-Z][\w’'.\-]*[”\"](?=\s+[A-Z])|\([A-Z][A-Za-z]{1,9}\)|[\w’'\-.]*\w[’']?\.?|[,;:—–()“”\"]"
)
PRONOUNS = {"he": "m", "she": "f", "they": "p", "it": "o"}
STOP_CAPS = frozenset(
    "But And Or When While In On At As After Before Since If Though Although Meanwhile Still Yet "
    "So Then Now Later Earlier Also However That This These Those There Here It Its His Her Their "
    "Our My Your We They He She I You What Why How Where Who Which Asked Speaking Last Next "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Today Tonight Yesterday Instead "
    "Only Even Both Some Many Most Other Such According Shortly Because Despite During Until "
    "Under Over Of For To From With Without By Than Like Not No Yes Still Just Ever".split()
)
PARTICLES = frozenset("de da del della di du van von der den la le bin ibn al el dos das".split())
BRIDGES = frozenset("of for at with and in from".split())
SKIP_BEFORE_CUE = frozenset(
    "also later previously has have had would will then further earlier again repeatedly once "
    "recently publicly privately simply just reportedly first initially separately similarly "
    "quickly angrily flatly bluntly often frequently still only".split()
)
NEGATORS = frozenset("not n't never to".split())
TIME_RE = re.compile(
    r"\s*(?:(?:on|last|this|late|early)\s+)?(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday|yesterday|today|tonight|week|month|year|night|morning|afternoon|evening)"
    r"(?:\s+(?:night|morning|afternoon|evening))?\b\s*)+"
)
THAT_RE = re.compile(r"\s*(?:,\s*)?that\s+")
TRANSCRIPT_RE = re.compile(
    r"(?P<name>(?:[A-Z][A-Z.’'\-]*\.?)(?:\s+[A-Z][A-Z.’'\-]*\.?){0,4}(?:\s+\([A-Z\-]+\))?)"
    r":[ \t]*"
)
RELATIVE_RE = re.compile(
    r",?\s+(?:who|familiar\s+with|briefed\s+on|close\s+to|with\s+knowledge\s+of)\s+"
    r"[^,.;:“”\"]{0,100},?\s*$"
)
TIME_BEFORE_RE = re.compile(
    r"\s+(?:(?:on|late|early|last|this)\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|week|night|month|year)(?:\s+(?:night|morning|afternoon|evening))?\s*$"
)
ADVERBIAL_RE = re.compile(
    r"\s*,?\s*(?:in|at|on|during|to|via)\s+(?:a|an|the|his|her|their|its)\s+(?:[\w’'\-]+\s+){0,3}?"
    r"(?:statement|interview|conference|briefing|post|email|letter|hearing|speech|release|filing|"
    r"reporters|call|video|message|appearance|rally|meeting|session)\b,?"
    r"(?:\s+(?:on|with|to)\s+(?:[A-Z][\w.]*\s*)+)?,?"
)
DATELINE_RE = re.compile(
    r"[A-Z][A-Z .'’\-]{2,30}(?:,\s+[A-Z][\w. ]{1,25})?\s*(?:\([A-Za-z. ]{1,20}\))?\s*[—–-]+\s+"
)
CLAUSE_CUT_RE = re.compile(
    r",\s+(?:but|while|although|though|whereas)\s+(?:he|she|they|it|we|the|a|an|[A-Z])\b|;\s"
)
PREPOSITIONS = frozenset(
    "outside inside in at on during after before from to with near by over".split()
)
FIRST_PERSON = frozenset("i we you".split())
CONTRACTION_RE = re.compile(
    r"(?:i|we|you|they|he|she|it|let|that|there|what|who)'(?:s|ve|re|ll|d|m)"
)
NEEDS_THAT = frozenset(
    "add reveal insist confirm mention stress emphasize acknowledge admit recall tweet post "
    "reiterate comment".split()
)
KIN = (
    "sister mother wife daughter grandmother woman girl aunt niece brother father husband son "
    "grandfather man boy uncle nephew"
).split()
NO_SUBJECT = frozenset(
    "would will could should can may might must had has have was were is are be been to".split()
)
JOIN = r"[ ,]*(?:and|or)?[ ,]*"
TITLE_BEFORE_RE = re.compile(r"(?:\b(?:on|in|of|titled|called|show|program|book|film)|[’']s)\s*$")
PAREN_END_RE = re.compile(r"\s*\([^()]{1,25}\)\s*$")
PARTY_RE = re.compile(r"^[DRI]-[A-Z]")
OBJECT_PREPOSITIONS = frozenset("at to by with on against from toward towards into".split())
ACRONYM_RE = re.compile(r"((?:[A-Z][\w’'\-]*\s+(?:(?:of|and|for|the)\s+)*){1,7})\(([A-Z]{2,})\)")
NOT_SPEAKERS = frozenset(
    "NOTE EDITOR'S NOTE EDITOR’S NOTE UPDATE CORRECTION CLARIFICATION WARNING BREAKING WATCH "
    "READ MORE RELATED ADVERTISEMENT PHOTO PHOTOS VIDEO SOURCE SOURCES CREDIT EDT EST GMT UTC "
    "AP Q A MORE ALSO READ LIVE WATCH LIVE LISTEN SUBSCRIBE SIGN UP FILE CAPTION UPDATED "
    "DEVELOPING EXCLUSIVE ANALYSIS OPINION TOPLINE BACKGROUND CONTEXT YES NO TIP TIPS FACT CHECK "
    "ALERT URGENT FLASH BULLETIN ADVISORY DISCLAIMER DISCLOSURE SPONSORED EDITOR".split(" ")
)


# --- lexicons ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    """The reporting verbs and speaker words of corpuskit/data, compiled once."""

    cue_lemma: dict[str, str]
    speech: frozenset[str]
    cue_re: re.Pattern
    titles: dict[str, str | None]
    roles: frozenset[str]
    groups: frozenset[str]
    modifiers: frozenset[str]
    org_words: frozenset[str]
    female: frozenset[str]
    male: frozenset[str]
    org_nouns: frozenset[str]
    documents: frozenset[str]


def _data(name: str) -> dict:
    return yaml.safe_load(resources.files("corpuskit").joinpath("data", name).read_text("utf-8"))


def trie_pattern(words) -> str:
    """One regular expression matching any of `words`, factored as a prefix tree so the regex
    engine does not try hundreds of alternatives at every position."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [
            (r"\s+" if ch == " " else re.escape(ch)) + emit(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load cues.yaml and roles.yaml (cached per process)."""
    cues, roles = _data("cues.yaml"), _data("roles.yaml")
    cue_lemma: dict[str, str] = {}
    speech = set()
    for group in ("quote_only", "speech"):
        for lemma, forms in cues[group].items():
            for form in forms:
                cue_lemma[form] = lemma
                if group == "speech":
                    speech.add(form)
    cue_lemma["According to"] = "according to"
    speech.add("According to")
    cue_re = re.compile(rf"(?<![\w’'\-])(?:{trie_pattern(cue_lemma)})(?![\w’'\-])")
    return Lexicon(
        cue_lemma=cue_lemma,
        speech=frozenset(speech),
        cue_re=cue_re,
        titles=dict(roles["titles"]),
        roles=frozenset(roles["roles"]),
        groups=frozenset(g for g in roles["groups"] if " " not in g),
        modifiers=frozenset(roles["modifiers"]),
        org_words=frozenset(roles["organization_words"]),
        female=frozenset(roles["female"]),
        male=frozenset(roles["male"]),
        org_nouns=frozenset(roles["org_nouns"]),
        documents=frozenset(roles["documents"]),
    )


# --- quotation marks, masking, sentences -----------------------------------------------------


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


def is_title(body: str) -> bool:
    """A show, book or film title: up to six words, each capitalized or a short function word."""
    words = body.strip(" .,").split()
    small = {"of", "the", "a", "an", "and", "in", "on", "for", "to", "with"}
    return 0 < len(words) <= 6 and all(w[:1].isupper() or w in small for w in words)


def is_nickname(text: str, s: int, e: int) -> bool:
    """`Emanuel “Chris” Welch`: a quoted capitalized word between two names is not a quote."""
    body = text[s:e]
    if not re.fullmatch(r"[A-Z][\w’'.\-]*(?: [A-Z][\w’'.\-]*)?", body):
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
        blank = re.sub(r"[^\n]", MASK, body)
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
        word = re.search(r"([\w.]+)\.$", masked[max(start, m.start() - 12) : m.start() + 1])
        if m.group().startswith(".") and word:
            w = word.group(1).lower()
            if w in ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
                continue
        out.append((s, m.end()))
        s = m.end()
        while s < end and masked[s].isspace():
            s += 1
    if s < end:
        out.append((s, end))
    return out


# --- speaker mentions ------------------------------------------------------------------------


@dataclass
class Mention:
    """A speaker mention in the text and what it says about the speaker."""

    start: int
    end: int
    text: str
    kind: str  # person, organization, group, unnamed, pronoun
    name: str | None = None  # person or organization name without titles
    role: str | None = None
    organization: str | None = None
    gender: str | None = None
    head: str | None = None  # role or group noun of an unnamed/group mention
    definite: bool = False


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Word and punctuation tokens; a final dot stays only on abbreviations and initials."""
    out = []
    for m in TOKEN_RE.finditer(text, start, end):
        s, e, t = m.start(), m.end(), m.group()
        if t.endswith(".") and len(t) > 2 and "." not in t[:-1]:
            if t[:-1].lower() not in ABBREVIATIONS:
                e, t = e - 1, t[:-1]
        out.append((s, e, t))
    return out


def _is_cap(tok: str) -> bool:
    tok = tok.strip('“”"')
    if CONTRACTION_RE.fullmatch(tok.lower().replace("’", "'")):
        return False
    return tok[:1].isupper() and tok.rstrip(".’'") not in STOP_CAPS


def _np_word(tok: str, lex: Lexicon) -> bool:
    low = tok.lower()
    if tok.startswith("(") and tok.endswith(")"):
        return True
    if _is_cap(tok) and tok not in lex.cue_lemma:
        return True
    low = low.replace("’", "'")
    return (
        low in lex.roles
        or low in lex.groups
        or low in lex.modifiers
        or low in lex.org_nouns
        or low in lex.documents
        or low in PARTICLES
        or low.endswith("'s")
        and low[:-2] in lex.org_nouns | lex.roles
    )


def _trim(toks: list[tuple[int, int, str]], lex: Lexicon) -> list[tuple[int, int, str]]:
    """Drop function words at the edges of a candidate noun phrase."""
    while toks and toks[0][2].lower() in BRIDGES:
        toks = toks[1:]
    while toks and (
        toks[-1][2].lower() in BRIDGES | {"the", "a", "an"} or toks[-1][2] in PARTICLES
    ):
        toks = toks[:-1]
    return toks


def np_before(text: str, floor: int, pos: int, lex: Lexicon) -> Mention | None:
    """The speaker mention ending just before `pos` (a cue), skipping adverbs, times,
    appositions (`Smith, a spokesman, said`) and relative clauses (`a woman who lives here said`)."""
    window_lo = max(floor, pos - 240)
    paren = PAREN_END_RE.search(text, window_lo, pos)
    if paren and paren.start() > window_lo:
        pos = paren.start()  # `Sen. John Thune (R-S.D.) said`
    rel = RELATIVE_RE.search(text, window_lo, pos)
    time = TIME_BEFORE_RE.search(text, window_lo, pos)
    if time and time.start() > window_lo:
        pos = time.start()
    toks = _tokens(text, window_lo, pos)
    while toks and (toks[-1][2].lower() in SKIP_BEFORE_CUE or _adverb(toks[-1][2])):
        toks.pop()
    if not toks:
        return None
    if len(toks) > 2 and PARTY_RE.match(toks[-1][2]) and toks[-2][2] == ",":
        toks = toks[:-2]  # `Sen. Chris Murphy, D-Conn., who …`
    last = toks[-1][2].lower().replace("’", "'")
    if last in FIRST_PERSON or CONTRACTION_RE.fullmatch(last):
        return None  # `I said`, `we say`, `Let's say` tie no third-party speaker
    if toks[-1][2].lower() in PRONOUNS and (len(toks) == 1 or not _is_cap(toks[-2][2])):
        return _pronoun(toks[-1])
    if toks[-1][2] == ",":
        return _appositive_subject(text, toks[:-1], lex)
    np = _collect_back(toks, lex)
    if np and np[0][0] > window_lo and rel and rel.start() < np[0][0]:
        np = []
    if not np and rel is not None:
        return np_before(text, floor, rel.start(), lex)
    return classify(text, np, lex) if np else None


def _collect_back(toks, lex) -> list[tuple[int, int, str]]:
    i = len(toks)
    while i > 0:
        tok = toks[i - 1][2]
        if _np_word(tok, lex) or (tok.lower() in BRIDGES and i < len(toks)):
            i -= 1
            continue
        break
    if 0 < i < len(toks) and toks[i - 1][2].lower() in POSSESSIVES:
        i -= 1
    return _trim(toks[i:], lex)


def _appositive_subject(text: str, toks, lex) -> Mention | None:
    """`NAME, apposition, said` or `description, NAME, said`: the name, with role/org."""
    direct = _collect_back(toks, lex)
    if direct and not PARTY_RE.match(direct[0][2]) and len(direct) < len(toks):
        mention = classify(text, direct, lex)
        before = toks[len(toks) - len(direct) - 1][2]
        if mention and mention.kind == "person" and " " in mention.name and before == ",":
            head = toks[: len(toks) - len(direct) - 1]
            k = max((i for i, t in enumerate(head) if t[2] in (",", ";")), default=-1)
            _enrich_from_apposition(mention, head[k + 1 :], lex)
            return mention
    commas = [k for k, t in enumerate(toks) if t[2] == ","][::-1][:3]
    for k in commas:
        np = _collect_back(toks[:k], lex)
        if not np or PARTY_RE.match(np[0][2]):
            continue
        mention = classify(text, np, lex)
        if mention is None or mention.kind == "document":
            continue
        appos = toks[k + 1 :]
        if not appos or len(appos) > 25:
            continue
        _enrich_from_apposition(mention, appos, lex)
        return mention
    return None


def _enrich_from_apposition(mention: Mention, appos, lex) -> None:
    words = [t[2] for t in appos]
    low = [w.lower() for w in words]
    for j, w in enumerate(low):
        if w in lex.roles and mention.role is None:
            mods = [
                words[k]
                for k in range(max(0, j - 3), j)
                if words[k][:1].isupper() and words[k].lower() not in ("the", "a", "an")
            ]
            mention.role = w
            if j + 2 < len(words) and low[j + 1] in ("for", "of", "at", "with"):
                org = [x for x in words[j + 2 :] if x not in (",", "who", "which")]
                org = org[1:] if org and org[0].lower() == "the" else org
                caps = []
                for x in org:
                    if not (x[:1].isupper() or x.lower() in BRIDGES):
                        break
                    caps.append(x)
                if caps:
                    mention.organization = " ".join(caps).strip()
            elif mods:
                mention.organization = " ".join(mods)
            break
    if mention.gender is None:
        # only the apposition's own head counts (`a spokeswoman`), not `whose son …`
        head = []
        for w in low:
            if w in ("who", "whose", "which", "of", "for", "with", "at", "to", "and"):
                break
            head.append(w)
        mention.gender = _gender(head, lex)


def np_after(text: str, pos: int, ceil: int, lex: Lexicon) -> Mention | None:
    """The speaker mention starting just after `pos` (`said Frey`, `according to police`)."""
    toks = _tokens(text, pos, min(ceil, pos + 240))
    if not toks:
        return None
    if toks[0][2].lower() in FIRST_PERSON:
        return None
    if toks[0][2].lower() in PRONOUNS:
        return _pronoun(toks[0])
    j = 0
    while j < len(toks):
        tok = toks[j][2]
        if _np_word(tok, lex) or (tok.lower() in BRIDGES and j > 0):
            j += 1
            continue
        break
    np = _trim(toks[:j], lex)
    if np and np[-1][2].endswith(".") and np[-1][2].rstrip(".").lower() not in ABBREVIATIONS:
        s, e, t = np[-1]
        if len(t) > 2:
            np[-1] = (s, e - 1, t[:-1])
    mention = classify(text, np, lex) if np else None
    if mention and j < len(toks) and toks[j][2] == ",":
        rest = toks[j + 1 : j + 26]
        end = next((k for k, t in enumerate(rest) if t[2] in (",", ";", ":")), len(rest))
        if rest[:end]:
            _enrich_from_apposition(mention, rest[:end], lex)
    return mention


def loose_mention(text, masked, lo, hi, lex, max_words: int = 6) -> Mention | None:
    """A short phrase in subject position that the phrase rules did not read
    (`the 71-year-old`, `a criminal complaint`): kept as an unnamed speaker mention."""
    toks = _tokens(masked, lo, hi)
    if not toks or len(toks) > max_words or any(t[2] in ',;:—–()“”"' for t in toks):
        return None
    low = [t[2].lower() for t in toks]
    if any(w in NO_SUBJECT or w in lex.cue_lemma or w in PRONOUNS for w in low):
        return None
    first = toks[0][2]
    if not (
        low[0] in ("the", "a", "an", "one", "two", "some")
        or first[:1].isupper()
        or first[:1].isdigit()
    ):
        return None
    start, end = toks[0][0], toks[-1][1]
    if any(w in lex.documents for w in low):
        return Mention(start, end, text[start:end], "document", head=low[-1])
    heads = [t[2].lower() for t in toks if t[2].isalpha() and t[2].islower()]
    head = heads[-1] if heads else low[-1]
    return Mention(start, end, text[start:end], "unnamed", head=head, definite=low[0] == "the")


def _pronoun(tok) -> Mention:
    s, e, t = tok
    return Mention(s, e, t, "pronoun", gender=PRONOUNS[t.lower()])


def _adverb(tok: str) -> bool:
    return tok.islower() and tok.endswith("ly") and len(tok) > 4


def _gender(words: list[str], lex: Lexicon) -> str | None:
    if any(w in lex.female for w in words):
        return "f"
    if any(w in lex.male for w in words):
        return "m"
    return None


def _title_at(words: list[str], j: int, lex: Lexicon) -> int:
    """Length (up to 4 words) of a title starting at words[j], or 0."""
    for n in (4, 3, 2, 1):
        if j + n <= len(words) and " ".join(words[j : j + n]) in lex.titles:
            return n
    return 0


def classify(text: str, np, lex: Lexicon) -> Mention | None:
    """Read a noun phrase (tokens) as a person, organization, group or unnamed speaker."""
    words = [t[2] for t in np]
    low = [w.lower() for w in words]
    start, end = np[0][0], np[-1][1]
    surface = text[start:end]
    definite = low[0] == "the"
    # a role noun followed by for/of/at + organization: "a spokesman for the Pentagon"
    for j, w in enumerate(low[:-1]):
        if w in lex.documents and low[j + 1] in ("with", "of", "in", "from", "by") and j > 0:
            doc = classify(text, np[: j + 1], lex)
            if doc is not None:
                owner = [x for x in words[j + 2 :] if x.lower() not in ("the", "a", "an")]
                doc.name = doc.name or " ".join(owner) or None
                doc.end, doc.text = end, surface
            return doc
        if (
            words[j].islower()
            and (w in lex.roles or w in lex.groups or w in lex.org_nouns)
            or j == 0
            and (w in lex.roles or w in lex.groups)
        ) and low[j + 1] in (
            "for",
            "of",
            "at",
            "with",
            "in",
        ):
            head = _role_mention(np[: j + 1], words[: j + 1], low[: j + 1], text, lex)
            if head:
                org = [x for x in words[j + 2 :] if x.lower() != "the"]
                head.organization = " ".join(org) or None
                head.end, head.text = end, surface
                return head
    last = low[-1]
    if last in lex.documents:
        owner = [t for t in np[:-1] if t[2].endswith(("’s", "'s"))]
        m = Mention(start, end, surface, "document", definite=definite, head=last)
        if owner:
            s0 = np[0][0] if low[0] not in ("the", "a", "an") else np[1][0]
            m.name = text[s0 : owner[-1][1] - 2]
        return m
    if last in lex.org_nouns:
        name = surface[4:] if definite else surface
        return Mention(start, end, surface, "organization", name=name, definite=definite, head=last)
    if last in lex.roles or last in lex.groups:
        return _role_mention(np, words, low, text, lex)
    # the name: capitalized words after the last title / possessive
    cut, role, org_words = 0, None, []
    for j in range(len(words)):
        if j < cut:
            continue
        n = _title_at(words, j, lex)
        if n and j + n < len(words):
            cut, role = j + n, lex.titles[" ".join(words[j : j + n])]
            org_words = words[:j]
        elif words[j].endswith(("’s", "'s")) and j + 1 < len(words) and words[j][:1].isupper():
            cut, org_words = j + 1, words[: j + 1]
            org_words[-1] = org_words[-1][:-2]
        elif low[j] in lex.roles and j + 1 < len(words):
            cut, role = j + 1, low[j]
            org_words = [w for w in words[:j] if w.lower() not in lex.modifiers or w[:1].isupper()]
    name_toks = [w for w in words[cut:] if not w.startswith("(")]
    while name_toks and name_toks[0].lower() in ("the", "a", "an"):
        name_toks = name_toks[1:]
    if not name_toks or not any(w[:1].isupper() for w in name_toks):
        return None
    bridge = next((k for k, w in enumerate(name_toks) if w.lower() in BRIDGES), None)
    if (
        bridge is not None
        and bridge >= 2
        and not any(w in lex.org_words for w in name_toks[:bridge])
    ):
        # `Kyle Whitehead of the Active Transportation Alliance`
        tail = [w for w in name_toks[bridge + 1 :] if w.lower() != "the"]
        org_words = tail or org_words
        name_toks = name_toks[:bridge]
    name = " ".join(w.strip('“”"') for w in name_toks if not NICKNAME_RE.fullmatch(w))
    organization = _org_name(org_words)
    gender = _gender(low, lex)
    is_org = (
        any(w in lex.org_words for w in name_toks)
        or (len(name_toks) == 1 and name_toks[0].isupper() and len(name_toks[0]) > 1)
        or (definite and cut == 0)
    )
    if is_org and role is None:
        acronym = next((w[1:-1] for w in words if w.startswith("(")), None)
        m = Mention(start, end, surface, "organization", name=name, role=None, definite=definite)
        m.organization = acronym  # remembered as an alias
        return m
    name_start = np[cut][0] if cut < len(np) else start
    return Mention(
        name_start if role is None else start,
        end,
        text[name_start if role is None else start : end],
        "person",
        name=name,
        role=role,
        organization=organization,
        gender=gender,
    )


def _org_name(words: list[str]) -> str | None:
    words = [w for w in words if w.lower() not in ("the", "a", "an")]
    if not words:
        return None
    return " ".join(words).replace(" (", " (")


def _role_mention(np, words, low, text, lex) -> Mention | None:
    head = low[-1]
    kind = "group" if head in lex.groups and head not in lex.roles else "unnamed"
    common = lex.modifiers | lex.org_nouns | lex.groups | lex.roles
    caps = [w for w in words[:-1] if w[:1].isupper() and w.lower() not in common | {"one"}]
    mods = [w for w in low[:-1] if w not in ("the", "a", "an", "one", "another")]
    mods = [
        w for w, orig in zip(mods, words[-len(mods) - 1 : -1], strict=False) if orig not in caps
    ]
    start, end = np[0][0], np[-1][1]
    m = Mention(start, end, text[start:end], kind, head=head, definite=low[0] == "the")
    m.role = head if kind == "unnamed" else None
    m.organization = " ".join(caps) or None
    m.gender = _gender(low, lex)
    if kind == "group":
        m.name = " ".join([*mods, head]) if mods and not caps else head
    return m


# --- resolution to document-local speakers ------------------------------------------------------


@dataclass
class Entity:
    """A document-local speaker: canonical name, kind, role, organization, aliases."""

    name: str
    kind: str
    role: str | None = None
    organization: str | None = None
    gender: str | None = None
    aliases: set[str] = field(default_factory=set)
    last: int = -1


class Resolver:
    """Ties mentions to document-local speakers: surnames, titles, roles, pronouns, acronyms."""

    def __init__(self, candidates: list[tuple[int, Mention]], acronyms: dict[str, str]):
        self.entities: list[Entity] = []
        self.candidates = candidates  # persons/groups mentioned anywhere (for pronouns)
        self.acronyms = acronyms  # DHS -> Department of Homeland Security

    def resolve(self, m: Mention | None, pos: int) -> Entity | None:
        if m is None:
            return None
        if m.kind == "pronoun":
            ent = self._pronoun(m, pos)
        elif m.kind == "person":
            ent = self._person(m)
        elif m.kind == "organization":
            ent = self._organization(m)
        elif m.kind == "document":
            ent = self._document(m)
        elif m.kind == "group":
            ent = self._find(lambda e: e.kind == "group" and e.name == m.name) or self._new(
                Entity(m.name, "group", organization=m.organization)
            )
        else:
            ent = self._unnamed(m)
        if ent is not None:
            ent.last = pos
            if m.kind != "pronoun":
                ent.aliases.add(m.text)
        return ent

    def _new(self, ent: Entity) -> Entity:
        self.entities.append(ent)
        return ent

    def _find(self, pred) -> Entity | None:
        found = [e for e in self.entities if pred(e)]
        return max(found, key=lambda e: e.last) if found else None

    def _person(self, m: Mention) -> Entity:
        parts = m.name.split()
        surname = parts[-1]

        def same(e: Entity) -> bool:
            if e.kind != "person":
                return False
            eparts = e.name.split()
            if eparts[-1] != surname:
                return False
            short, long_ = sorted((parts, eparts), key=len)
            return long_[-len(short) :] == short or eparts[0] == parts[0]

        ent = self._find(same)
        if ent is None and len(parts) == 1:
            full = [c for _, c in self.candidates if c.kind == "person" and c.role is not None]
            full += [c for _, c in self.candidates if c.kind == "person"]
            full = [c for c in full if c.name.split()[-1] == surname and len(c.name.split()) > 1]
            if full:
                m = Mention(
                    m.start,
                    m.end,
                    m.text,
                    "person",
                    full[0].name,
                    full[0].role,
                    full[0].organization,
                    m.gender or full[0].gender,
                )
                return self._person(m)
        if ent is None:
            ent = self._new(Entity(m.name, "person"))
        if len(m.name) > len(ent.name):
            ent.name = m.name
        ent.role = ent.role or m.role
        ent.organization = ent.organization or m.organization
        ent.gender = ent.gender or m.gender
        return ent

    def _organization(self, m: Mention) -> Entity:
        acronym = m.organization
        if m.definite and m.head and len(m.name.split()) <= 2:
            same_head = self._find(
                lambda e: e.kind == "organization" and e.name.lower().endswith(m.head)
            )
            ent = same_head or self._find(lambda e: e.kind == "organization")
            if ent is not None:
                return ent
        if m.name in self.acronyms:
            acronym, m.name = m.name, self.acronyms[m.name]
        key = m.name.lower()
        ent = self._find(
            lambda e: (
                e.kind == "organization"
                and (e.name.lower() == key or key in {a.lower() for a in e.aliases})
            )
        )
        if ent is None:
            ent = self._new(Entity(m.name, "organization"))
        if acronym:
            ent.aliases.add(acronym)
        return ent

    def merge_roles(self) -> dict[int, Entity]:
        """`the mayor` met before `Mayor X` is named: merge when one person holds that role."""
        merged = {}
        for ent in self.entities:
            if ent.kind != "unnamed" or not ent.role:
                continue
            holders = [
                e
                for e in self.entities
                if e.kind == "person" and e.role and e.role.lower().split()[-1] == ent.role
            ]
            if len(holders) == 1:
                holders[0].aliases |= ent.aliases
                merged[id(ent)] = holders[0]
        self.entities = [e for e in self.entities if id(e) not in merged]
        return merged

    def _document(self, m: Mention) -> Entity | None:
        """`the statement said`: the owner named in the phrase, else the last organization."""
        if m.name:
            key = m.name.lower()
            if key.split()[-1] in lexicon().org_nouns:
                found = self._find(lambda e: e.kind == "organization")
                return found or self._new(Entity(f"the {key.split()[-1]}", "organization"))
            ent = self._find(
                lambda e: e.name.lower() == key or e.name.lower().endswith(" " + key.split()[-1])
            )
            return ent or self._new(Entity(m.name, "organization"))
        return self._find(lambda e: e.kind == "organization")

    def _unnamed(self, m: Mention) -> Entity:
        head = m.head or ""
        if m.definite:
            titled = self._find(
                lambda e: e.kind == "person" and e.role and e.role.lower().split()[-1] == head
            )
            if titled:
                return titled
        ent = self._find(lambda e: e.kind == "unnamed" and e.role == head)
        if ent is None or not m.definite and ent is not None and "another" in m.text.lower():
            ent = self._new(
                Entity(f"the {head}", "unnamed", role=head, organization=m.organization)
            )
        ent.gender = ent.gender or m.gender
        return ent

    def _pronoun(self, m: Mention, pos: int) -> Entity | None:
        g = m.gender
        if g in ("m", "f"):
            ok = [
                e
                for e in self.entities
                if e.kind in ("person", "unnamed") and e.gender in (g, None)
            ]
            recent = max(ok, key=lambda e: e.last, default=None)
            cand = self._candidate(
                pos,
                lambda c: (
                    c.kind in ("person", "unnamed")
                    and c.gender in (g, None)
                    and self._gender_of(c) in (g, None)
                ),
            )
            if cand and (recent is None or cand[0] > recent.last):
                recent = self.resolve(cand[1], cand[0])
            if recent is not None and recent.gender is None:
                recent.gender = g
            return recent
        if g == "p":
            ok = [e for e in self.entities if e.kind == "group"]
            recent = max(ok, key=lambda e: e.last, default=None)
            cand = self._candidate(pos, lambda c: c.kind == "group")
            if cand and (recent is None or cand[0] > recent.last):
                recent = self.resolve(cand[1], cand[0])
            return recent or self._find(lambda e: e.kind == "organization")
        if g == "o":
            return self._find(lambda e: e.kind == "organization")
        return None

    def _gender_of(self, m: Mention) -> str | None:
        """Gender already known for the speaker a candidate mention would resolve to."""
        if m.kind != "person":
            return m.gender
        surname = m.name.split()[-1]
        known = [
            e.gender for e in self.entities if e.kind == "person" and e.name.split()[-1] == surname
        ]
        return next((g for g in known if g), m.gender)

    def _candidate(self, pos: int, pred):
        best = None
        for p, c in self.candidates:
            if p >= pos:
                break
            if pos - p < 1500 and pred(c):
                best = (p, c)
        return best


@lru_cache(maxsize=1)
def _candidate_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(capitalized runs, kin nouns, group nouns), compiled once."""
    lex = lexicon()
    word = r"[A-Z][\w’'\-.]*"
    runs = re.compile(rf"(?<![\w.]){word}(?:\s+(?:(?:{'|'.join(PARTICLES)})\s+)?{word})+")
    kin = re.compile(
        r"\b(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|\w+[’']s)\s+(?:[a-z\-]+\s+)?(" + "|".join(KIN) + r")\b"
    )
    groups = re.compile(r"\b(?:" + trie_pattern(lex.groups) + r")\b")
    return runs, kin, groups


def mention_candidates(text: str, masked: str, lex: Lexicon) -> list[tuple[int, Mention]]:
    """Persons (titled or two-word names) and groups named in the prose, for pronoun resolution."""
    out = []
    runs_re, kin_re, group_re = _candidate_patterns()
    for m in runs_re.finditer(masked):
        toks = _tokens(text, m.start(), m.end())
        while toks and toks[0][2] in STOP_CAPS:
            toks = toks[1:]
        if len(toks) < 2 or len(toks) > 8:
            continue
        mention = classify(text, toks, lex)
        if mention and mention.kind == "person" and len(mention.name.split()) >= 2:
            out.append((toks[0][0], mention))
    surnames = {m.name.split()[-1]: m for _, m in out if len(m.name.split()[-1]) > 2}
    if surnames:
        surname_re = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(surnames))) + r")\b")
        seen = {p for p, _ in out}
        for m in surname_re.finditer(masked):
            if m.start() not in seen:
                full = surnames[m.group()]
                out.append(
                    (m.start(), Mention(m.start(), m.end(), m.group(), "person", name=full.name))
                )
    for m in kin_re.finditer(masked):
        word = m.group(1)
        gender = "f" if word in lex.female else "m"
        out.append(
            (m.start(), Mention(m.start(), m.end(), m.group(), "unnamed", head=word, gender=gender))
        )
    for m in group_re.finditer(masked):
        word = m.group()
        before = [t[2].lower() for t in _tokens(masked, max(0, m.start() - 60), m.start())]
        while before and (before[-1] in lex.modifiers or before[-1] == "and"):
            before.pop()
        if before and before[-1] in OBJECT_PREPOSITIONS:
            continue
        out.append((m.start(), Mention(m.start(), m.end(), word, "group", name=word, head=word)))
    out.sort(key=lambda x: x[0])
    return out


# --- statements ------------------------------------------------------------------------------


@dataclass
class Statement:
    paragraph: int
    kind: str
    start: int
    end: int
    mention: Mention | None = None
    entity: Entity | None = None
    cue: tuple[int, int] | None = None
    continuation: bool = False
    quote: tuple[int, int] | None = None  # the quoted span of a mixed statement


def _cue_near_end(masked: str, lo: int, hi: int, lex: Lexicon):
    """The last cue in masked[lo:hi]."""
    found = None
    for m in lex.cue_re.finditer(masked, lo, hi):
        found = m
    return found


def _clean_gap(gap: str) -> bool:
    return re.fullmatch(r"[\s,;:—–\-]*", gap) is not None


def _negated(masked: str, lo: int, cue_start: int) -> bool:
    toks = [t[2].lower() for t in _tokens(masked, max(lo, cue_start - 40), cue_start)]
    while toks and toks[-1] in SKIP_BEFORE_CUE:
        toks.pop()
    return bool(toks) and (
        toks[-1] in NEGATORS or toks[-1].endswith("n't") or toks[-1].endswith("n’t")
    )


class Intervals:
    """Sorted spans already claimed by statements, with fast cover and overlap tests."""

    def __init__(self, spans):
        self.spans = sorted(spans)
        self.starts = [a for a, _ in self.spans]

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.spans.insert(i, (start, end))

    def covers(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start)
        return any(b >= end for _, b in self.spans[max(0, i - 3) : i])

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end)
        return any(b > start for _, b in self.spans[max(0, i - 3) : i])


class Extractor:
    """Finds the statements of one document, then resolves their speakers in text order."""

    def __init__(self, text: str, paragraphs: list[tuple[int, int, bool]]):
        self.text = text
        self.paragraphs = [p for p in paragraphs if p[1] > p[0]]
        self.lex = lexicon()
        self.spans = [q for q in find_quotes(text, self.paragraphs) if not is_nickname(text, *q)]
        self.masked = mask_quotes(text, self.spans)
        self.sentences = []  # (paragraph, start, end)
        for i, (ps, pe, heading) in enumerate(self.paragraphs):
            if not heading:
                self.sentences.extend((i, s, e) for s, e in sentence_spans(self.masked, ps, pe))
        self._sentence_starts = [s for _, s, _ in self.sentences]
        self._paragraph_starts = [p[0] for p in self.paragraphs]
        self.acronyms = {
            m.group(2): m.group(1).strip()
            for m in ACRONYM_RE.finditer(self.masked)
            if "".join(w[0] for w in m.group(1).split() if w[0].isupper()) == m.group(2)
        }
        self.resolver = Resolver(mention_candidates(text, self.masked, self.lex), self.acronyms)
        self.statements: list[Statement] = []
        self.used_cues: set[int] = set()
        self.participles = re.compile(
            r"(?:,\s*(?:and\s+)?|\s+and\s+)(?:"
            + "|".join(re.escape(f) for f in self.lex.cue_lemma if " " not in f and f[:1].islower())
            + r")\b"
        )

    def paragraph_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self._paragraph_starts, pos) - 1)

    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        if i >= 0 and pos < self.sentences[i][2]:
            return self.sentences[i][1], self.sentences[i][2]
        p = self.paragraphs[self.paragraph_of(pos)]
        return p[0], p[1]

    def run(self) -> list[Statement]:
        self.quoted_statements()
        self.indirect_statements()
        self.statements.sort(key=lambda s: (s.start, s.end))
        self.resolve()
        return self.statements

    def resolve(self) -> None:
        """Tie mentions to speakers in text order; continuations take the previous speaker."""
        prev: Statement | None = None
        for st in self.statements:
            if st.continuation:
                if prev is not None and prev.paragraph >= st.paragraph - 1:
                    st.mention, st.entity = prev.mention, prev.entity
            elif st.mention is not None:
                st.entity = self.resolver.resolve(st.mention, st.mention.start)
            if st.kind == "mixed" and st.entity is None and st.quote is not None:
                qs, qe = st.quote
                if len(self.text[qs:qe].split()) <= 3:
                    st.kind, st.start, st.end, st.mention, st.cue = "scare", qs, qe, None, None
            if st.kind != "scare" and (st.entity is not None or st.continuation):
                prev = st
        merged = self.resolver.merge_roles()
        for st in self.statements:
            if st.entity is not None and id(st.entity) in merged:
                st.entity = merged[id(st.entity)]

    # quoted text -----------------------------------------------------------------------------

    def quoted_statements(self) -> None:
        k = 0
        while k < len(self.spans):
            stmts, consumed = self.attribute_quote(k)
            self.statements.extend(stmts)
            k += consumed

    def _post_limit(self, k: int) -> int:
        """End of the prose after quote k: its sentence, paragraph or the next quote."""
        close_pos = self.spans[k][1]
        after = min(close_pos + 1, len(self.text))
        hi = self.sentence_of(after)[1] if after < len(self.text) else after
        ps, pe, _ = self.paragraphs[self.paragraph_of(close_pos)]
        hi = min(hi, pe)
        if k + 1 < len(self.spans) and self.spans[k + 1][0] - 1 > close_pos:
            hi = min(hi, self.spans[k + 1][0] - 1)
        return max(hi, after)

    def attribute_quote(self, k: int):
        text, masked, lex = self.text, self.masked, self.lex
        qs, qe = self.spans[k]
        open_pos, close_pos = qs - 1, qe
        ss, _ = self.sentence_of(open_pos)
        pre_lo = ss
        if k and self.spans[k - 1][1] + 1 > ss:
            pre_lo = self.spans[k - 1][1] + 1
        post_hi = self._post_limit(k)
        para = self.paragraph_of(qs)
        pre = masked[pre_lo:open_pos]
        if TITLE_BEFORE_RE.search(pre) and is_title(text[qs:qe]):
            return [Statement(para, "scare", qs, qe)], 1  # `on CNN's “State of the Union”`
        cue = _cue_near_end(masked, pre_lo, open_pos, lex)
        # 1. cue before: `X said: “…”`, `saying, “…”`, `according to X, “…”`
        if cue is not None:
            gap = masked[cue.end() : open_pos]
            if lex.cue_lemma[cue.group()] == "according to":
                mention = np_after(text, cue.end(), open_pos, lex)
                if mention and re.fullmatch(r"\s*,\s*", masked[mention.end : open_pos]):
                    return [self._stmt(para, "direct", qs, qe, mention, cue)], 1
            elif len(gap.split()) <= 6 and (_clean_gap(gap) or gap.rstrip().endswith((",", ":"))):
                mention = self.subject(pre_lo, cue)
                return [self._stmt(para, "direct", qs, qe, mention, cue)], 1
            else:
                return self.mixed(k, cue, self.subject(pre_lo, cue), para)
        # 2. cue after: `“…,” X said`, `“…,” said X`
        found = self.cue_after(close_pos + 1, post_hi)
        if found is not None:
            cue_m, mention = found
            lead = pre.strip(" \n,;:—–-(")
            if lead and not re.fullmatch(JOIN, pre) and not DATELINE_RE.fullmatch(pre.lstrip()):
                # `The plan is “dead on arrival,” Smith said`: the clause is the statement
                lo = pre_lo + len(pre) - len(pre.lstrip())
                return [self._stmt(para, "mixed", lo, qe, mention, cue_m)], 1
            st = self._stmt(para, "direct", qs, qe, mention, cue_m)
            # `“…,” he said, “…”`: the resumed quote is the same statement
            nxt = self.spans[k + 1] if k + 1 < len(self.spans) else None
            if nxt and re.fullmatch(r"[^.!?“”\"\n]*,\s*", masked[close_pos + 1 : nxt[0] - 1]):
                if text[nxt[0] : nxt[0] + 1].islower():
                    st.end = nxt[1]
                    return [st], 2
            return [st], 1
        # quotes joined by `and` / `,` share the cue that follows the last one
        nxt = self.spans[k + 1] if k + 1 < len(self.spans) else None
        joined = nxt and self.paragraph_of(nxt[0]) == para
        if joined and re.fullmatch(JOIN, masked[close_pos + 1 : nxt[0] - 1]) and not pre.strip():
            j = k + 1
            while j + 1 < len(self.spans) and re.fullmatch(
                JOIN, masked[self.spans[j][1] + 1 : self.spans[j + 1][0] - 1]
            ):
                j += 1
            after = self.cue_after(self.spans[j][1] + 1, self._post_limit(j))
            if after is not None:
                cue_m, mention = after
                return [self._stmt(para, "direct", qs, qe, mention, cue_m)], 1
        # a paragraph ending `X said:` introduces the quote that opens the next paragraph
        starts_sentence = not pre.strip(" \n,;:—–-(")
        ps = self.paragraphs[para][0]
        if starts_sentence and para > 0 and not text[ps:open_pos].strip():
            prev_s, prev_e, _ = self.paragraphs[para - 1]
            if masked[prev_s:prev_e].rstrip().endswith(":"):
                lo = self.sentence_of(prev_e - 1)[0]
                cue = _cue_near_end(masked, lo, prev_e, lex)
                if cue is not None and len(masked[cue.end() : prev_e].split()) <= 6:
                    mention = self.subject(lo, cue)
                    return [self._stmt(para, "direct", qs, qe, mention, cue)], 1
        # 3. no cue: a quote opening its sentence continues the last speaker; else a scare quote
        n_words = len(text[qs:qe].split())
        if starts_sentence and (n_words >= 4 or text[qs:qe].rstrip()[-1:] in ".!?,"):
            return [Statement(para, "direct", qs, qe, continuation=True)], 1
        return [Statement(para, "scare", qs, qe)], 1

    def cue_after(self, lo: int, hi: int):
        """(cue match, mention) when masked[lo:hi] opens with `X said` or `said X`."""
        masked, lex = self.masked, self.lex
        for cue in lex.cue_re.finditer(masked, lo, min(hi, lo + 200)):
            gap = masked[lo : cue.start()]
            if _clean_gap(gap):
                mention = np_after(self.text, cue.end(), hi, lex)
                return (cue, mention) if mention is not None else None
            floor = lo + len(gap) - len(gap.lstrip(" ,;:—–-\n"))
            mention = np_before(self.text, floor, cue.start(), lex)
            if mention is not None:
                rest = masked[floor : mention.start]
                if _clean_gap(rest) or re.fullmatch(r"[\s,]*(?:the|The|a|A)?\s*", rest):
                    return cue, mention
            loose = loose_mention(self.text, masked, floor, cue.start(), lex)
            return (cue, loose) if loose is not None else None
        return None

    def subject(self, lo: int, cue) -> Mention | None:
        """Speaker of a cue; a participle or `and said` inherits the sentence's speaker."""
        before = self.masked[lo : cue.start()]
        mention = np_before(self.text, lo, cue.start(), self.lex)
        participle = cue.group().endswith("ing") and before.rstrip().endswith(",")
        if not (participle or re.search(r"\band\s*$", before) or mention is None):
            return mention
        if not re.search(r"(?:,|\band)\s*$", before):
            return mention
        s, _ = self.sentence_of(cue.start())
        for st in reversed(self.statements):
            if st.cue and s <= st.cue[0] < cue.start():
                return st.mention
        opener = np_after(self.text, s, cue.start(), self.lex)
        if opener is not None and opener.start - s < 3 and opener.kind != "pronoun":
            return opener
        if opener is not None and opener.kind == "pronoun" and opener.start == s:
            return opener
        return mention

    def mixed(self, k, cue, mention, para):
        """`X alleged the officer “recklessly” shot her`: the reported clause holding the quotes."""
        masked, text = self.masked, self.text
        s, e = self.sentence_of(cue.start())
        start = self._skip_object(cue, e)
        end = e
        cut = self.participles.search(masked, start, e)
        if cut and cut.start() > self.spans[k][1]:
            end = cut.start()
        cut = CLAUSE_CUT_RE.search(masked, self.spans[k][1], end)
        if cut:
            end = cut.start()
        consumed = 0
        qend = self.spans[k][1]
        while k + consumed < len(self.spans) and self.spans[k + consumed][0] < end:
            qend = max(qend, self.spans[k + consumed][1])
            consumed += 1
        end = max(end, qend + 1 if qend < len(text) else qend)
        while end > start and text[end - 1] in " .;,\n":
            end -= 1
        st = self._stmt(para, "mixed", start, end, mention, cue)
        st.quote = self.spans[k] if consumed <= 1 else None
        return [st], max(1, consumed)

    def _after_adverbials(self, start: int, end: int) -> int:
        """Position after times and `in a statement`-like phrases that follow a cue."""
        for _ in range(3):
            t = TIME_RE.match(self.masked, start, end)
            adv = ADVERBIAL_RE.match(self.masked, start, end)
            if t and t.end() > start:
                start = t.end()
            elif adv:
                start = adv.end()
            else:
                break
        return start

    def _skip_object(self, cue, end: int) -> int:
        """Start of what a cue reports: after `that`, times, `in a statement`, `told X that`."""
        masked, text, lex = self.masked, self.text, self.lex
        start = self._after_adverbials(cue.end(), end)
        obj = re.match(r"\s+((?:[\w’'.\-]+\s+){0,7}?)that\s+", masked[start:end])
        first = obj.group(1).split()[:1] if obj else []
        if lex.cue_lemma.get(cue.group()) == "tell":
            pronoun = re.match(r"\s+(?:me|us|you|him|her|them)\b", masked[start:end])
            if obj:
                start += obj.end()
            elif pronoun:
                start += pronoun.end()
            else:
                o = np_after(text, start, end, lex)
                if o is not None:
                    start = o.end
        elif obj and first and first[0].lower() in PREPOSITIONS:
            # `said outside the courthouse that …`
            start += obj.end()
        for _ in range(3):
            t = TIME_RE.match(masked, start) or THAT_RE.match(masked, start)
            adv = ADVERBIAL_RE.match(masked, start, end)
            if t and t.end() > start:
                start = t.end()
            elif adv:
                start = adv.end()
            else:
                break
        while start < end and masked[start] in " ,:\n":
            start += 1
        return start

    def _stmt(self, para, kind, start, end, mention, cue) -> Statement:
        if cue is not None:
            self.used_cues.add(cue.start())
        return Statement(para, kind, start, end, mention, None, cue.span() if cue else None)

    # unquoted (indirect) speech ----------------------------------------------------------------

    def indirect_statements(self) -> None:
        lex, masked = self.lex, self.masked
        taken = Intervals((st.start, st.end) for st in self.statements)
        cues = [c for c in lex.cue_re.finditer(masked) if c.group() in lex.speech]
        starts = [c.start() for c in cues]
        for final_only in (True, False):
            for para, s, e in self.sentences:
                lo, hi = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
                if lo == hi or taken.covers(s, e):
                    continue
                for cue in cues[lo:hi]:
                    if cue.start() in self.used_cues or cue.end() > e:
                        continue
                    st = self.indirect(para, s, e, cue, final_only)
                    if st is not None and not taken.overlaps(st.start, st.end):
                        taken.add(st.start, st.end)
                        self.statements.append(st)
                        self.used_cues.add(cue.start())

    def indirect(self, para, s, e, cue, final_only: bool = False) -> Statement | None:
        text, masked, lex = self.text, self.masked, self.lex
        end = e
        while end > s and masked[end - 1] in ' .!?\n”"’':
            end -= 1
        if self.lex.cue_lemma[cue.group()] == "according to":
            return self.according_to(para, s, e, end, cue)
        if _negated(masked, s, cue.start()):
            return None
        mention = np_before(text, s, cue.start(), lex)
        after = text[self._skip_object(cue, end) : end]
        # `CLAUSE, X said (in a statement).`
        if mention is not None:
            lead = masked[s : mention.start].rstrip()
            rest = text[self._after_adverbials(cue.end(), end) : end]
            short = len(after.split()) <= 3 or rest.lstrip().startswith(",")
            if lead.endswith(",") and len(lead) > 20 and short:
                return self._indirect(para, s, s + len(lead) - 1, mention, cue)
        # `CLAUSE, the 71-year-old said.` (a subject the phrase rules do not know)
        comma = masked.rfind(",", s, cue.start())
        if mention is None and comma - s > 20 and len(after.split()) <= 3:
            loose = loose_mention(text, masked, comma + 1, cue.start(), lex)
            if loose is not None:
                return self._indirect(para, s, comma, loose, cue)
        # `CLAUSE, said X.`
        lead = masked[s : cue.start()].rstrip()
        if mention is None and lead.endswith(",") and len(lead) > 20:
            m2 = np_after(text, cue.end(), e, lex)
            if m2 is not None and len(text[m2.end : end].split()) <= 6:
                return self._indirect(para, s, s + len(lead) - 1, m2, cue)
        if final_only:
            return None
        # `X said (that) CLAUSE`; `…, and said CLAUSE` inherits the sentence's speaker
        relative = mention is not None and RELATIVE_RE.match(masked, mention.end, cue.start())
        if relative:
            if lex.cue_lemma[cue.group()] not in ("say", "tell", "add"):
                return None
        elif mention is None or not self._subject_position(s, mention):
            if not re.search(r"(?:,|\band)\s*$", masked[s : cue.start()]):
                return None
            mention = self.subject(s, cue)
            if mention is None:
                return None
        if lex.cue_lemma[cue.group()] in NEEDS_THAT and not THAT_RE.match(
            masked, self._after_adverbials(cue.end(), end)
        ):
            return None  # `added $700 billion`, `insisted on`: an object, not a report
        start = self._skip_object(cue, end)
        cut = re.search(r",\s*(?:and\s+)?(?:adding|saying|noting)\b", masked[start:end])
        if cut:
            end = start + cut.start()
        cut = CLAUSE_CUT_RE.search(masked, start, end)
        if cut:
            end = cut.start()
        words = masked[start:end].split()
        if len(words) < 3 or words[0].lower() in NO_SUBJECT:
            return None
        return self._indirect(para, start, end, mention, cue)

    def according_to(self, para, s, e, end, cue) -> Statement | None:
        """`According to X, CLAUSE.` and `CLAUSE, according to X(, who …).`"""
        masked = self.masked
        mention = np_after(self.text, cue.end(), e, self.lex)
        if mention is None:
            stop = re.search(r"[,;.]|$", masked[cue.end() : e])
            mention = loose_mention(
                self.text, masked, cue.end(), cue.end() + stop.start(), self.lex, 10
            )
        if mention is None:
            return None
        if not masked[s : cue.start()].strip():
            comma = masked.find(",", mention.end, e)
            if comma < 0:
                return None
            return self._indirect(para, comma + 1, end, mention, cue)
        before = masked[s : cue.start()].rstrip()
        tail = masked[mention.end : end]
        if before.endswith(",") and (_clean_gap(tail) or re.match(r"\s*,\s*(?:who|which)\b", tail)):
            return self._indirect(para, s, s + len(before) - 1, mention, cue)
        return None

    def _subject_position(self, s: int, mention: Mention) -> bool:
        """The mention opens its clause (sentence start, after a comma, `since`, `and`, …)."""
        before = self.masked[s : mention.start].strip()
        if not before:
            return True
        return bool(
            re.search(
                r"(?:,|;|—|–|\b(?:and|but|since|as|because|while|after|when|where|that))$", before
            )
        )

    def _indirect(self, para, start, end, mention, cue) -> Statement | None:
        dateline = DATELINE_RE.match(self.text, start, end)
        if dateline:
            start = dateline.end()
        while start < end and self.text[start] in " ,\n":
            start += 1
        while end > start and self.text[end - 1] in " ,\n":
            end -= 1
        if end - start < 10:
            return None
        return Statement(para, "indirect", start, end, mention, None, cue.span())


# --- transcripts -----------------------------------------------------------------------------


def transcript_turns(text: str, paragraphs) -> list[tuple[int, int, str | None]] | None:
    """(start, end, NAME) per transcript unit when the text is a transcript, else None.

    A transcript has several lines opening with an upper-case `NAME:` (or one such line naming
    a multi-word speaker at the top); `Note:` or `UPDATE:` in news prose does not make one.
    """
    lines = []
    for ps, pe, _ in paragraphs:
        pos = ps
        for line in text[ps:pe].split("\n"):
            lines.append((pos, pos + len(line)))
            pos += len(line) + 1
    hits = []
    for ls, le in lines:
        m = TRANSCRIPT_RE.match(text, ls, le)
        if (
            m
            and not set(m.group("name").upper().split()) & NOT_SPEAKERS
            and any(c.isalpha() for c in m.group("name"))
        ):
            hits.append((ls, m))
    names = {m.group("name") for _, m in hits}
    if not hits or (len(hits) < 2 and len(hits[0][1].group("name").split()) < 2):
        return None
    if len(hits) < 3 and len(names) == len(hits) and len(hits[0][1].group("name").split()) < 2:
        return None
    by_line = dict(hits)
    units, speaker = [], None
    for ls, le in lines:
        m = by_line.get(ls)
        start = ls
        if m is not None:
            speaker, start = m.group("name").strip(), m.end()
        body = text[start:le]
        s = start + len(body) - len(body.lstrip())
        e = start + len(body.rstrip())
        if e > s and speaker is not None:
            units.append((s, e, speaker))
    return units


def _display_name(name: str) -> str:
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


def _is_group_name(name: str) -> bool:
    words = name.lower().split()
    return words[-1] in lexicon().groups or bool({"audience", "crowd"} & set(words))


def transcript_rows(units, paragraph_of) -> tuple[list[dict], list[dict]]:
    quotes, names = [], {}
    for s, e, name in units:
        speaker = _display_name(name)
        names.setdefault(speaker, set()).add(name)
        quotes.append(_row(paragraph_of(s), "transcript", s, e, speaker, None, None, None))
    entities = [
        {
            "speaker": n,
            "kind": "group" if _is_group_name(n) else "person",
            "role": None,
            "organization": None,
            "aliases": sorted(a),
        }
        for n, a in sorted(names.items())
    ]
    return quotes, entities


# --- the stage -------------------------------------------------------------------------------


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
    def find(pos: int) -> int:
        for i, (_, pe, _h) in enumerate(paragraphs):
            if pos < pe or i == len(paragraphs) - 1:
                return i
        return 0

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
    units = transcript_turns(text, paragraphs)
    if units:
        return transcript_rows(units, _paragraph_finder(paragraphs))
    return extract_news(text, paragraphs)


def line_units(text: str, paragraphs) -> tuple[list[tuple[int, int, bool]], list[int]]:
    """Paragraphs split at single line breaks when their lines read as paragraphs (most end a
    sentence), so quotes behave the same whether paragraphs are separated by blank lines or
    not; hard-wrapped prose stays whole. Returns (units, index of each unit's paragraph)."""
    units, owner = [], []
    for i, (ps, pe, heading) in enumerate(paragraphs):
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
    orgs = [re.sub(r"\s*\([A-Z]{2,}\)", "", o).strip() for o in orgs]
    entities = []
    for ent in sorted(used.values(), key=lambda e: e.name):
        org = ent.organization
        if org:
            org = re.sub(r"\s*\([A-Z]{2,}\)", "", org).strip()
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
