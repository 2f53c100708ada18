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


def test_derived_word_sets_are_the_unions_of_the_lexicon_sets():
    lex = cues.lexicon()
    assert lex.common_nouns == lex.modifiers | lex.org_nouns | lex.groups | lex.roles
    assert lex.owner_nouns == lex.org_nouns | lex.roles
    assert lex.np_nouns == lex.common_nouns | lex.documents


def test_data_files_load_the_same_with_the_fast_yaml_loader():
    from importlib import resources

    import yaml

    text = resources.files("corpuskit").joinpath("data", "cues.yaml").read_text("utf-8")
    assert cues._data("cues.yaml") == yaml.safe_load(text)
