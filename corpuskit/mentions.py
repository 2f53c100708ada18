"""Speaker mentions next to a reporting verb: pronouns, names with titles, appositions,
role phrases, groups, organizations and documents, read from a short window of tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpuskit.cues import Lexicon
from corpuskit.quotemarks import ABBREVIATIONS, NICKNAME_RE

QUANTIFIERS = frozenset(
    "some many most several few two three four five dozens hundreds thousands other all both "
    "numerous various".split()
)
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
TRAILING_WORDS = BRIDGES | {"the", "a", "an"}  # dropped from the end of a noun phrase


SKIP_BEFORE_CUE = frozenset(
    "also later previously has have had would will then further earlier again repeatedly once "
    "recently publicly privately simply just reportedly first initially separately similarly "
    "quickly angrily flatly bluntly often frequently still only".split()
)


RELATIVE_RE = re.compile(
    r",?\s+(?:who|familiar\s+with|briefed\s+on|close\s+to|with\s+knowledge\s+of)\s+"
    r"[^,.;:“”\"]{0,100},?\s*$"
)


RELATIVE_WORD_RE = re.compile(r"who|familiar|briefed|close|knowledge")  # in any RELATIVE_RE


TIME_BEFORE_RE = re.compile(
    r"\s+(?:(?:on|late|early|last|this)\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|week|night|month|year)(?:\s+(?:night|morning|afternoon|evening))?\s*$"
)


TIME_WORDS = tuple(  # the words a TIME_BEFORE_RE match ends with
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday week night month year "
    "morning afternoon evening".split()
)


FIRST_PERSON = frozenset("i we you".split())


CONTRACTION_RE = re.compile(
    r"(?:i|we|you|they|he|she|it|let|that|there|what|who)'(?:s|ve|re|ll|d|m)"
)


NO_SUBJECT = frozenset(
    "would will could should can may might must had has have was were is are be been to".split()
)


PAREN_END_RE = re.compile(r"\s*\([^()]{1,25}\)\s*$")


PARTY_RE = re.compile(r"^[DRI]-[A-Z]")


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


def tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Word and punctuation tokens; a final dot stays only on abbreviations and initials."""
    out = [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text, start, end)]
    if text.find(".", start, end) >= 0:  # else no token ends with a dot
        for i, (s, e, t) in enumerate(out):
            if t[-1] == "." and len(t) > 2 and "." not in t[:-1]:
                if t[:-1].lower() not in ABBREVIATIONS:
                    out[i] = (s, e - 1, t[:-1])
    return out


def _is_cap(tok: str) -> bool:
    tok = tok.strip('“”"')
    if not tok[:1].isupper():
        return False
    if ("'" in tok or "’" in tok) and CONTRACTION_RE.fullmatch(tok.lower().replace("’", "'")):
        return False  # every contraction holds an apostrophe
    return tok.rstrip(".’'") not in STOP_CAPS


def _np_word(tok: str, lex: Lexicon) -> bool:
    low = tok.lower()
    if not tok[:1].islower():  # a lowercase first letter is neither a capital nor a `(`
        if tok.startswith("(") and tok.endswith(")"):
            return True
        if _is_cap(tok) and tok not in lex.cue_lemma:
            return True
    low = low.replace("’", "'")
    return (
        low in lex.np_nouns
        or low in PARTICLES
        or low.endswith("'s")
        and low[:-2] in lex.owner_nouns
    )


def _trim(toks: list[tuple[int, int, str]], lex: Lexicon) -> list[tuple[int, int, str]]:
    """Drop function words at the edges of a candidate noun phrase."""
    while toks and toks[0][2].lower() in BRIDGES:
        toks = toks[1:]
    while toks and (toks[-1][2].lower() in TRAILING_WORDS or toks[-1][2] in PARTICLES):
        toks = toks[:-1]
    return toks


def np_before(text: str, floor: int, pos: int, lex: Lexicon) -> Mention | None:
    """The speaker mention ending just before `pos` (a cue), skipping adverbs, times,
    appositions (`Smith, a spokesman, said`) and relative clauses (`a woman who lives here said`)."""
    window_lo = max(floor, pos - 240)
    # the three end-anchored patterns are searched only when their last word ends the window
    tail = text[window_lo:pos].rstrip()
    paren = PAREN_END_RE.search(text, window_lo, pos) if tail.endswith(")") else None
    if paren and paren.start() > window_lo:
        pos = paren.start()  # `Sen. John Thune (R-S.D.) said`
        tail = text[window_lo:pos].rstrip()
    rel = RELATIVE_RE.search(text, window_lo, pos) if RELATIVE_WORD_RE.search(tail) else None
    time = TIME_BEFORE_RE.search(text, window_lo, pos) if tail.endswith(TIME_WORDS) else None
    if time and time.start() > window_lo:
        pos = time.start()
    toks = tokens(text, window_lo, pos)
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
    toks = tokens(text, pos, min(ceil, pos + 240))
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
    toks = tokens(masked, lo, hi)
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
    if not lex.female.isdisjoint(words):
        return "f"
    if not lex.male.isdisjoint(words):
        return "m"
    return None


def _title_at(words: list[str], j: int, lex: Lexicon) -> int:
    """Length (up to 4 words) of a title starting at words[j], or 0."""
    if words[j] not in lex.title_starts:
        return 0  # tokens hold no space, so a title's first word must be words[j]
    for n in (4, 3, 2, 1):
        if j + n <= len(words) and " ".join(words[j : j + n]) in lex.titles:
            return n
    return 0


LINK_WORDS = frozenset("with of in from by for at".split())  # `a spokesman for`, `records of`


def classify(text: str, np, lex: Lexicon) -> Mention | None:
    """Read a noun phrase (tokens) as a person, organization, group or unnamed speaker."""
    words = [t[2] for t in np]
    low = [w.lower() for w in words]
    start, end = np[0][0], np[-1][1]
    surface = text[start:end]
    definite = low[0] == "the"
    # a role noun followed by for/of/at + organization: "a spokesman for the Pentagon"
    has_link = not LINK_WORDS.isdisjoint(low[1:])  # both rules below need one after the noun
    for j, w in enumerate(low[:-1] if has_link else ()):
        if low[j + 1] not in LINK_WORDS:
            continue
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
    if (
        len(words) >= 3
        and low[-2] == "of"
        and words[-1][:1].isupper()
        and words[-3] in lex.org_words
    ):
        # `the U.S. Conference of Mayors`: a capitalized `X of Ys` is a name, not a group
        name = surface[4:] if definite else surface
        return Mention(start, end, surface, "organization", name=name, definite=definite)
    if last in lex.roles or last in lex.groups:
        return _role_mention(np, words, low, text, lex)
    # the name: capitalized words after the last title / possessive
    cut, role, org_words, honorific = 0, None, [], None
    for j in range(len(words)):
        if j < cut:
            continue
        n = _title_at(words, j, lex)
        if n and j + n < len(words):
            cut, role = j + n, lex.titles[" ".join(words[j : j + n])]
            org_words = words[:j]
            honorific = j if role is None else None  # `Mr. Buttigieg`: the mention keeps `Mr.`
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
    if gender is None and len(name_toks) > 1:
        gender = lex.given_names.get(name_toks[0])
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
    if honorific is not None and honorific + 1 == cut:
        name_start = np[honorific][0]
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
    caps = [
        w
        for w in words[:-1]
        if w[:1].isupper() and w.lower() not in lex.common_nouns and w.lower() != "one"
    ]
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
        if "of" in mods:  # `a bloc of moderates`, `a handful of counterprotesters`
            mods = mods[len(mods) - mods[::-1].index("of") :]
        mods = [w for w in mods if w not in QUANTIFIERS]
        m.name = " ".join([*mods, head]) if mods and not caps else head
    return m
