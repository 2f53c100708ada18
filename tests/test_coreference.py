"""Document-local speakers: given-name gender, organizations written two ways, places."""

from __future__ import annotations

from corpuskit import quotes, segment


def speakers(text: str) -> list[str | None]:
    rows, _ = quotes.extract(text, segment.paragraphs(text), {})
    return [r["speaker"] for r in rows]


def test_given_name_gender_keeps_she_off_a_man_named_later():
    text = (
        "U.S. District Judge Karin Immergut, whom Donald Trump appointed, wrote that the "
        "administration had failed to show a rebellion. “The determination was untethered "
        "to the facts,” she wrote."
    )
    assert speakers(text) == ["Karin Immergut", "Karin Immergut"]


def test_place_names_are_not_people():
    text = (
        "Portland Mayor Keith Wilson, speaking outside City Hall, said residents were calm. "
        "“We have protests,” he said."
    )
    assert speakers(text) == ["Keith Wilson", "Keith Wilson"]


def test_short_and_full_organization_names_merge():
    text = (
        "Shares of Northwind Logistics fell 12% on Wednesday.\n\n"
        "Northwind said in a statement that it remained committed to its dividend."
    )
    rows, entities = quotes.extract(text, segment.paragraphs(text), {})
    assert [r["speaker"] for r in rows] == ["Northwind Logistics"]
    assert entities[0]["kind"] == "organization"
    assert "Northwind" in entities[0]["aliases"]


def test_a_surname_is_not_taken_for_an_organization():
    text = "Sen. Adam Smith spoke at Smith College.\n\nSmith said the bill would pass easily."
    assert speakers(text) == ["Adam Smith"]


def test_the_department_joins_the_department_named_before():
    text = (
        "An Education Department spokesperson said the agency was reviewing the programs.\n\n"
        "The department told states in a letter that the money would be released soon."
    )
    assert speakers(text)[-1] == "Education Department"


def test_whole_words_matches_the_regex_alternation_it_replaces():
    import re

    from corpuskit.coreference import whole_words

    text = "Lee met Leeds officials; O'Neil-Lee and Lee_x left. Lee."
    words = sorted({"Lee", "Leeds", "O'Neil", "Neil-Lee"})
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b")
    expected = [(m.start(), m.group()) for m in pattern.finditer(text)]
    assert whole_words(text, words) == expected
    assert [w for _, w in expected] == ["Lee", "Leeds", "O'Neil", "Lee", "Lee"]


def test_group_noun_after_a_preposition_is_an_object_not_a_speaker():
    from corpuskit.coreference import _object_of_preposition
    from corpuskit.cues import lexicon

    lex = lexicon()
    text = "Officers fired at protesters while the protesters marched."
    first, second = text.index("protesters"), text.rindex("protesters")
    assert _object_of_preposition(text, first, lex)
    assert not _object_of_preposition(text, second, lex)


def test_kin_matches_are_those_of_the_whole_text_pattern():
    from corpuskit.coreference import _candidate_patterns, _kin_matches

    _, kin_re, _ = _candidate_patterns()
    text = (
        "The victim’s mother, a nurse, spoke. His wife said the young son, and Frey's "
        "well-known brother, left. “My sister,” she said; the man’s daughter did not."
    )
    expected = [m.span() for m in kin_re.finditer(text)]
    assert [m.span() for m in _kin_matches(text, kin_re)] == expected
    assert [text[s:e] for s, e in expected][:2] == ["victim’s mother", "His wife"]
    assert _kin_matches("No relatives here.", kin_re) == []
