"""The reporting-verb and speaker-word lexicons of corpuskit/data (cues.yaml, roles.yaml),
compiled once per process into sets, one prefix-tree regular expression and an automaton of
the cues' first words (`CueFinder`)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import ahocorasick
import yaml


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
    given_names: dict[str, str] = field(default_factory=dict)  # first name -> "f" / "m"
    needs_that: frozenset[str] = frozenset()  # lemmas reporting unquoted text only with `that`
    questions: frozenset[str] = frozenset()  # lemmas reporting a question (`asked whether`)
    epithets: frozenset[str] = frozenset()  # `the Republican`: a person already named
    indirect_forms: frozenset[str] = frozenset()  # speech and question forms: unquoted reports
    # unions the mention rules test often, built once
    common_nouns: frozenset[str] = frozenset()  # modifiers, org nouns, groups, roles
    owner_nouns: frozenset[str] = frozenset()  # org nouns and roles (`the agency's`)
    np_nouns: frozenset[str] = frozenset()  # common nouns and documents: noun-phrase words
    title_starts: frozenset[str] = frozenset()  # the first word of each title (`Secretary`)
    cue_heads: ahocorasick.Automaton | None = None  # the first words of the cues (`CueFinder`)


# libyaml's safe loader when available: the same data, parsed several times faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _data(name: str) -> dict:
    text = resources.files("corpuskit").joinpath("data", name).read_text("utf-8")
    return yaml.load(text, Loader=_LOADER)


class CueFinder:
    """The cue matches of one text: `lex.cue_re.finditer(text, lo, hi)` for any range, with
    the regex tried only where a cue's first word occurs. Those places are found once for the
    whole text by an Aho-Corasick automaton, so the many short ranges a document's quotes and
    sentences ask for cost a lookup each, not a scan."""

    def __init__(self, text: str, lex: Lexicon):
        self.text = text
        self._match = lex.cue_re.match
        # every cue match starts with one of `cue_heads`: these are all the places one may start
        self.starts = sorted({end - size + 1 for end, size in lex.cue_heads.iter(text)})

    def finditer(self, lo: int = 0, hi: int | None = None) -> Iterator[re.Match]:
        """The matches of `cue_re.finditer(text, lo, hi)`, the same match objects' spans and
        groups: `match` at a position sees the characters before it, as the search does, and
        stops at `hi`, as the search's end does."""
        text, starts = self.text, self.starts
        hi = len(text) if hi is None else min(hi, len(text))
        after = max(lo, 0)  # matches do not overlap: the search resumes after each one
        for k in range(bisect.bisect_left(starts, after), len(starts)):
            start = starts[k]
            if start >= hi:
                break
            if start >= after:
                m = self._match(text, start, hi)
                if m is not None:
                    after = m.end()
                    yield m


def first_words_automaton(words) -> ahocorasick.Automaton:
    """An automaton finding the first words of `words` (the shortest of those that open
    others suffice: `add` finds where `added` may start), for `CueFinder`."""
    heads = {w.split(" ", 1)[0] for w in words}
    automaton = ahocorasick.Automaton()
    for head in heads:
        if not any(other != head and head.startswith(other) for other in heads):
            automaton.add_word(head, len(head))
    automaton.make_automaton()
    return automaton


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


def plural(noun: str) -> str:
    """English plural of a role noun (`superintendent` -> `superintendents`), so every role
    noun also names a group; irregular forms are listed in roles.yaml `groups`."""
    if noun.endswith("man"):
        return noun[:-3] + "men"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    return noun + "s"


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load cues.yaml and roles.yaml (cached per process)."""
    cues, roles, names = _data("cues.yaml"), _data("roles.yaml"), _data("first_names.yaml")
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
    roles_set, modifiers = frozenset(roles["roles"]), frozenset(roles["modifiers"])
    org_nouns = frozenset(roles["org_nouns"])
    groups = frozenset(g for g in [*roles["groups"], *map(plural, roles["roles"])] if " " not in g)
    return Lexicon(
        cue_lemma=cue_lemma,
        speech=frozenset(speech),
        cue_re=cue_re,
        titles=dict(roles["titles"]),
        roles=roles_set,
        groups=groups,
        modifiers=modifiers,
        org_words=frozenset(roles["organization_words"]),
        needs_that=frozenset(cues.get("needs_that", [])),
        questions=frozenset(cues.get("questions", [])),
        indirect_forms=frozenset(
            f for f, lemma in cue_lemma.items() if f in speech or lemma in cues.get("questions", [])
        ),
        epithets=frozenset(roles.get("epithets", [])),
        given_names={
            **dict.fromkeys(names["male"], "m"),
            **dict.fromkeys(names["female"], "f"),
        },
        female=frozenset(roles["female"]),
        male=frozenset(roles["male"]),
        org_nouns=org_nouns,
        documents=frozenset(roles["documents"]),
        common_nouns=modifiers | org_nouns | groups | roles_set,
        np_nouns=modifiers | org_nouns | groups | roles_set | frozenset(roles["documents"]),
        owner_nouns=org_nouns | roles_set,
        title_starts=frozenset(t.split(" ", 1)[0] for t in roles["titles"]),
        cue_heads=first_words_automaton(cue_lemma),
    )
