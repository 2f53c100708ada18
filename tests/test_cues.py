"""The cue and speaker-word lexicons."""

from __future__ import annotations

from corpuskit import cues


def test_plural_of_role_nouns():
    assert [cues.plural(w) for w in ("superintendent", "deputy", "congressman", "witness")] == [
        "superintendents",
        "deputies",
        "congressmen",
        "witnesses",
    ]


def test_every_role_noun_also_names_a_group():
    lex = cues.lexicon()
    assert {"superintendents", "counterprotesters", "moderates"} <= lex.groups


def test_states_is_not_a_cue_but_stated_is():
    lex = cues.lexicon()
    assert "states" not in lex.cue_lemma and lex.cue_lemma["stated"] == "state"


def test_given_names_have_one_gender():
    lex = cues.lexicon()
    assert lex.given_names["Karin"] == "f" and lex.given_names["Keith"] == "m"
