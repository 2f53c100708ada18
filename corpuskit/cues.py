"""The reporting-verb and speaker-word lexicons of corpuskit/data (cues.yaml, roles.yaml),
compiled once per process into sets and one prefix-tree regular expression."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

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


# libyaml's safe loader when available: the same data, parsed several times faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _data(name: str) -> dict:
    text = resources.files("corpuskit").joinpath("data", name).read_text("utf-8")
    return yaml.load(text, Loader=_LOADER)


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
    )
