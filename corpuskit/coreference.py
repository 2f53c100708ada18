"""Document-local speakers: ties mentions (surnames, `the mayor`, pronouns, acronyms) to the
people, groups and organizations of one document, in text order."""

from __future__ import annotations

import bisect
import copy
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from corpuskit.cues import Lexicon, lexicon, trie_pattern
from corpuskit.mentions import PARTICLES, STOP_CAPS, Mention, classify, tokens

KIN = (
    "sister mother wife daughter grandmother woman girl aunt niece brother father husband son "
    "grandfather man boy uncle nephew"
).split()


DETERMINERS = frozenset(
    "the a an this that these those its his her their our your my one another".split()
)


OBJECT_PREPOSITIONS = frozenset("at to by with on against from toward towards into".split())


SPACE_RE = re.compile(r"\s")
PREPOSITION_RE = re.compile(r"(?i)\b(?:" + "|".join(sorted(OBJECT_PREPOSITIONS)) + r")\b")


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

    def __init__(self, names: DocumentNames, acronyms: dict[str, str], masked: str = ""):
        self.entities: list[Entity] = []
        self.masked = masked  # the prose, to find `Education Department` for `the department`
        self.names = names  # capitalized runs and candidate mentions, read on first use
        self.acronyms = acronyms  # DHS -> Department of Homeland Security

    @property
    def long_names(self) -> dict[str, str]:
        """Northwind -> Northwind Logistics (`long_names`)."""
        return self.names.long_names

    def _long_name(self, name: str) -> str:
        """The multi-word name `name` opens, else `name`. A `long_names` key is the first word
        of a capitalized run (capitalized, or a particle once a leading `But` is dropped), so
        other names (`city`, `department`) need no runs read."""
        if name and (name[0].isupper() or name in PARTICLES):
            return self.long_names.get(name, name)
        return name

    @property
    def candidates(self) -> list[tuple[int, Mention]]:
        """Persons, kin and groups mentioned anywhere, in text order (for pronouns)."""
        return self.names.candidates

    @cached_property
    def _positions(self) -> list[int]:
        return [p for p, _ in self.candidates]

    @cached_property
    def _full_names(self) -> dict[str, list[Mention]]:
        """Surname -> full-name mentions, titled ones first."""
        full: dict[str, list[Mention]] = {}
        for titled in (True, False):
            for _, c in self.names.persons:
                parts = c.name.split()
                if len(parts) > 1 and (c.role is not None or not titled):
                    full.setdefault(parts[-1], []).append(c)
        return full

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
        """The entity satisfying `pred` mentioned last (the first of those on a tie)."""
        best = None
        for e in self.entities:
            if (best is None or e.last > best.last) and pred(e):
                best = e
        return best

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
            full = self._full_names.get(surname)
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
            if surname in self.long_names:  # `Northwind` after `Northwind Logistics`
                org = Mention(m.start, m.end, m.text, "organization", name=m.name)
                return self._organization(org)
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
        owner = m.name.split()[0] if m.name else ""
        if m.definite and owner.endswith(("’s", "'s")) and owner.islower():
            # `the governor’s office`: an office of a role, not the last organization named
            name = f"the {m.name}"
            ent = self._find(lambda e: e.kind == "organization" and e.name == name)
            return ent or self._new(Entity(name, "organization"))
        if m.definite and m.head and len(m.name.split()) <= 2:
            same_head = self._find(
                lambda e: e.kind == "organization" and e.name.lower().endswith(m.head)
            )
            ent = (
                same_head or self._named_before(m) or self._find(lambda e: e.kind == "organization")
            )
            if ent is not None:
                return ent
        if m.name in self.acronyms:
            acronym, m.name = m.name, self.acronyms[m.name]
        name = self._long_name(m.name)
        key = name.lower()
        ent = self._find(
            lambda e: (
                e.kind == "organization"
                and (e.name.lower() == key or key in {a.lower() for a in e.aliases})
            )
        )
        if ent is None:
            ent = self._find(lambda e: e.kind == "organization" and _prefix_of(e.name, name))
        if ent is None:
            ent = self._new(Entity(name, "organization"))
        if len(name) > len(ent.name) and _prefix_of(ent.name, name):
            ent.aliases.add(ent.name)
            ent.name = name
        ent.aliases.add(m.name)
        if acronym:
            ent.aliases.add(acronym)
        return ent

    def _named_before(self, m: Mention) -> Entity | None:
        """`the department` after `an Education Department spokesperson`: the last capitalized
        name ending with the same noun before the mention, as an organization."""
        head = m.head.capitalize()
        window = self.masked[max(0, m.start - 3000) : m.start]
        if head not in window:
            return None  # the cheap test: every match ends with the noun
        pattern = rf"((?:[A-Z][\w’'.\-]*[ \t]+){{1,4}}){re.escape(head)}\b"  # within a line
        found = None
        for hit in re.finditer(pattern, window):
            found = hit
        if found is None:
            return None
        words = [
            w for w in found.group(1).split() if w not in STOP_CAPS and w not in ("The", "A", "An")
        ]
        if not words:
            return None
        name = " ".join([*words, head])
        ent = self._find(lambda e: e.kind == "organization" and e.name.lower() == name.lower())
        return ent or self._new(Entity(name, "organization"))

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
        """`the statement said`: the owner named in the phrase, else the last organization;
        a bare modified source (`city records`, `ICE data`) is its own speaker."""
        words = m.text.split()
        if not m.name and len(words) > 1 and words[0].lower() not in DETERMINERS:
            name = m.text
            ent = self._find(lambda e: e.kind == "organization" and e.name == name)
            return ent or self._new(Entity(name, "organization"))
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
            if head in lexicon().epithets:  # `the South Dakota Republican`: the last one named
                named = self._find(
                    lambda e: (
                        e.kind == "person"
                        and (None in (m.gender, e.gender) or e.gender == m.gender)
                    )
                )
                if named:
                    named.gender = named.gender or m.gender
                    return named
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
        """The nearest candidate before `pos` (within 1,500 characters) that satisfies `pred`."""
        i = bisect.bisect_left(self._positions, pos)
        while i > 0 and pos - self._positions[i - 1] < 1500:
            i -= 1
            if pred(self.candidates[i][1]):
                return self.candidates[i]
        return None


def _prefix_of(a: str, b: str) -> bool:
    """One organization name is the other's leading words (`Northwind`, `Northwind Logistics`)."""
    short, long_ = sorted((a.lower(), b.lower()), key=len)
    return long_.startswith(short + " ")


def name_runs(text: str, masked: str, lex: Lexicon) -> list[tuple[list, Mention | None]]:
    """Runs of two to eight capitalized words in the prose, with how `classify` reads each."""
    out = []
    for m in _candidate_patterns()[0].finditer(masked):
        toks = tokens(text, m.start(), m.end())
        while toks and toks[0][2] in STOP_CAPS:
            toks = toks[1:]
        if 2 <= len(toks) <= 8:
            out.append((toks, classify(text, toks, lex)))
    return out


def long_names(runs: list[tuple[list, Mention | None]], lex: Lexicon) -> dict[str, str]:
    """First word -> the multi-word name it opens (`Northwind` -> `Northwind Logistics`), for
    capitalized names that are not people's (no given name or title first, not a surname of a
    person named in the text), so a short form of an organization joins its full name."""
    found: dict[str, str] = {}
    surnames = set()
    for toks, mention in runs:
        words = [t[2] for t in toks]
        if len(words) > 5 or mention is None:
            continue
        if mention.kind == "person" and (
            mention.role or mention.gender or words[0] in lex.titles or words[0].endswith(".")
        ):
            surnames.add(words[-1])
            continue
        first = words[0].rstrip("’'s")
        if first.isalpha() and len(first) > 2 and not first.isupper():
            found.setdefault(first, " ".join(words))
    return {k: v for k, v in found.items() if k not in surnames and k not in lex.titles}


@lru_cache(maxsize=1)
def _candidate_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(capitalized runs, kin nouns, group nouns), compiled once."""
    lex = lexicon()
    word = r"[A-Z][\w’'\-.]*"
    # `(?<![\w.])` read after the first capital, so the search can skip to capitals
    first = r"[A-Z](?<![\w.][A-Z])[\w’'\-.]*"
    runs = re.compile(rf"{first}(?:\s+(?:(?:{'|'.join(PARTICLES)})\s+)?{word})+")
    kin = re.compile(
        r"\b(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|\w+[’']s)\s+(?:[a-z\-]+\s+)?(" + "|".join(KIN) + r")\b"
    )
    groups = re.compile(r"\b(?:" + trie_pattern(lex.groups) + r")\b")
    return runs, kin, groups


# a kin noun as a whole word: the cheap test that lets most texts skip the costly `kin` pattern
KIN_WORD_RE = re.compile(r"\b(?:" + trie_pattern(KIN) + r")\b")
BARRIER_RE = re.compile(r"[^\w\s’'\-]")  # a character no `kin` match holds


def _is_word_char(ch: str) -> bool:
    """What `\\w` matches in a str pattern."""
    return ch.isalnum() or ch == "_"


def _at_boundary(text: str, pos: int) -> bool:
    """`\\b` at pos."""
    before = pos > 0 and _is_word_char(text[pos - 1])
    after = pos < len(text) and _is_word_char(text[pos])
    return before != after


def whole_words(text: str, words: list[str]) -> list[tuple[int, str]]:
    """(start, word) of each match of `\\b(?:w1|w2|…)\\b` (alternatives in the order given),
    found with str.find, so no pattern is compiled for each document's own words."""
    best: dict[int, tuple[int, str]] = {}
    for rank, word in enumerate(words):
        i = text.find(word)
        while i >= 0:
            if i not in best and _at_boundary(text, i) and _at_boundary(text, i + len(word)):
                best[i] = (rank, word)  # the first alternative that matches at i wins
            i = text.find(word, i + 1)
    out, pos = [], 0
    for i in sorted(best):
        if i >= pos:
            word = best[i][1]
            out.append((i, word))
            pos = i + len(word)
    return out


class DocumentNames:
    """The capitalized runs of one document and the mentions read from them, each found on
    first use: many documents resolve every speaker without candidates (no pronoun, no lone
    surname before its full name), and a lone surname needs the persons only."""

    def __init__(self, text: str, masked: str, lex: Lexicon):
        self.text, self.masked, self.lex = text, masked, lex

    @cached_property
    def runs(self) -> list[tuple[list, Mention | None]]:
        return name_runs(self.text, self.masked, self.lex)

    @cached_property
    def long_names(self) -> dict[str, str]:
        return long_names(self.runs, self.lex)

    @cached_property
    def _persons(self) -> list[tuple[int, Mention]]:
        """Full names (two words or more) and later mentions of their surnames, unsorted."""
        out = []
        for toks, mention in self.runs:
            if mention and mention.kind == "person" and len(mention.name.split()) >= 2:
                out.append((toks[0][0], copy.copy(mention)))
        surnames = {m.name.split()[-1]: m for _, m in out if len(m.name.split()[-1]) > 2}
        if surnames:
            seen = {p for p, _ in out}
            for start, word in whole_words(self.masked, sorted(surnames)):
                if start not in seen:
                    full = surnames[word]
                    end = start + len(word)
                    mention = Mention(
                        start, end, word, "person", name=full.name, gender=full.gender
                    )
                    out.append((start, mention))
        return out

    @cached_property
    def persons(self) -> list[tuple[int, Mention]]:
        """The person candidates in text order (the same objects as in `candidates`)."""
        return sorted(self._persons, key=lambda x: x[0])

    @cached_property
    def candidates(self) -> list[tuple[int, Mention]]:
        """Persons, kin (`his wife`) and groups not governed by a preposition, in text order."""
        masked, lex = self.masked, self.lex
        out = list(self._persons)
        _, kin_re, group_re = _candidate_patterns()
        for m in _kin_matches(masked, kin_re):
            word = m.group(1)
            gender = "f" if word in lex.female else "m"
            mention = Mention(m.start(), m.end(), m.group(), "unnamed", head=word, gender=gender)
            out.append((m.start(), mention))
        for m in group_re.finditer(masked):
            word = m.group()
            if _object_of_preposition(masked, m.start(), lex):
                continue
            out.append(
                (m.start(), Mention(m.start(), m.end(), word, "group", name=word, head=word))
            )
        out.sort(key=lambda x: x[0])
        return out


def _kin_matches(masked: str, kin_re: re.Pattern) -> list[re.Match]:
    """`kin_re.finditer(masked)`, scanning only the stretches between punctuation marks that
    hold a kin noun: a match (determiner, words, kin noun) never crosses a BARRIER_RE mark, so
    the matches of the text are those of its stretches."""
    hits = [m.start() for m in KIN_WORD_RE.finditer(masked)]
    if not hits:
        return []
    barriers = [m.start() for m in BARRIER_RE.finditer(masked)]
    out, done = [], -1
    for pos in hits:
        i = bisect.bisect_right(barriers, pos)
        lo = barriers[i - 1] + 1 if i else 0
        hi = barriers[i] if i < len(barriers) else len(masked)
        if lo > done:
            out.extend(kin_re.finditer(masked, lo, hi))
            done = lo
    return out


def _object_of_preposition(masked: str, pos: int, lex: Lexicon) -> bool:
    """A group noun at pos governed by a preposition (`shot at protesters`), reading the words
    of the 60 characters before it (modifiers and `and` skipped)."""
    lo = max(0, pos - 60)
    if not PREPOSITION_RE.search(masked[lo:pos]):
        return False  # no token of the window can be a preposition
    # Tokens after a space are the same whatever the window's start, so a short window decides
    # unless every word in it is skipped; then the whole window is read.
    space = SPACE_RE.search(masked, max(lo, pos - 24), pos)
    if space is not None:
        words = [t[2].lower() for t in tokens(masked, space.end(), pos)]
        while words and (words[-1] in lex.modifiers or words[-1] == "and"):
            words.pop()
        if words:
            return words[-1] in OBJECT_PREPOSITIONS
    words = [t[2].lower() for t in tokens(masked, lo, pos)]
    while words and (words[-1] in lex.modifiers or words[-1] == "and"):
        words.pop()
    return bool(words) and words[-1] in OBJECT_PREPOSITIONS
