"""Frame dictionaries: loading YAML and LIWC .dic, one-pass matching, rejection and negation."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit.errors import UsageError
from corpuskit.frames import FrameDictionary, tokenize

FREY = (
    "They are already trying to spin this as an action of self-defence. Having seen the video "
    "myself, I wanna tell everybody directly, that is bulls**t"
)


@pytest.fixture(scope="module")
def builtin():
    return FrameDictionary.load(None)


def by_match(matches):
    return {(m["match"].lower(), m["frame"]): m for m in matches}


def test_builtin_has_the_required_frames_each_with_a_definition(builtin):
    required = {"defensive", "reckless", "terrorism", "human_cost", "contestation", "legality"}
    assert required <= set(builtin.frames)
    assert builtin.name == "use_of_force" and builtin.version
    for frame in builtin.frames:
        assert len(builtin.descriptions[frame]) > 40, frame


def test_offsets_give_the_match_back(builtin):
    text = "An ICE officer, fearing for his life, fired defensive shots to protect  the public."
    matches = builtin.find(text)
    assert matches
    for m in matches:
        assert text[m["start"] : m["end"]] == m["match"]
    assert [m["start"] for m in matches] == sorted(m["start"] for m in matches)


def test_phrase_wins_over_words_inside_it(builtin):
    found = by_match(builtin.find("He was fearing for his life."))
    assert ("fearing for his life", "defensive") in found
    assert ("life", "human_cost") not in found


def test_wildcard_matches_word_endings_only_at_word_starts(builtin):
    found = by_match(builtin.find("Protecting officers; protection; a protest; unprotected."))
    assert ("protecting", "defensive") in found and ("protection", "defensive") in found
    assert not any(k[0] in ("protest", "unprotected") for k in found)


def test_hyphen_space_case_and_curly_apostrophes_are_normalised():
    d = FrameDictionary({"x": ["self-defence", "they're ripping"]})
    text = "SELF DEFENCE, self-defence and Self–defence. They’re ripping"
    assert [m["match"] for m in d.find(text)] == [
        "SELF DEFENCE",
        "self-defence",
        "Self–defence",
        "They’re ripping",
    ]


def test_frey_self_defence_is_rejected_by_spin_and_counted_as_contestation(builtin):
    found = by_match(builtin.find(FREY))
    self_defence = found[("self-defence", "defensive")]
    assert self_defence["rejected"] is True
    assert self_defence["cue"] == "distancing: spin"
    assert ("bulls**t", "contestation") in found  # masked profanity restored
    counts = builtin.count(FREY)
    assert counts["defensive"] == 0
    assert counts["contestation"] == 4  # spin, self-defence, seen the video, bulls**t


@pytest.mark.parametrize(
    "text, term, cue",
    [
        ("This was not self-defence.", "self-defence", "negation: not"),
        ("There was no threat to anyone.", "threat", "negation: no"),
        ("It wasn't a threat.", "threat", "negation: n't"),
        ("It was not, by any stretch, self-defence.", None, None),
        ("They call it the so-called threat.", "threat", "distancing: so-called"),
        ("He acted defensively. That's a lie.", "defensively", "verdict: That's a lie"),
        ("He feared for his life, which is absolutely false.", "feared for his life", "verdict"),
        ("The killing was not reckless.", "reckless", "negation: not"),
    ],
)
def test_rejection_cues(builtin, text, term, cue):
    rejected = [m for m in builtin.find(text) if m["rejected"]]
    if term is None:
        assert rejected == []
        return
    assert [m["match"] for m in rejected] == [term]
    assert rejected[0]["cue"].startswith(cue)


@pytest.mark.parametrize(
    "text",
    [
        "No doubt it was self-defence.",
        "He acted defensively, but that is not the point.",
        "He acted defensively. He said that is the truth.",
        "Not only did he act defensively, he saved lives.",
        "This was self-defence. Nobody disputes it.",
    ],
)
def test_endorsements_are_not_rejected(builtin, text):
    assert not any(m["rejected"] for m in builtin.find(text))


def test_negating_a_non_contestable_frame_is_not_a_rejection(builtin):
    matches = builtin.find("She did not deserve to die and no family should live this.")
    assert {m["frame"] for m in matches} == {"human_cost"}
    assert not any(m["rejected"] for m in matches)


def test_plain_yaml_mapping_frame_to_terms(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("care: [protect*, safe]\nharm:\n  - hurt\n  - 'no harm done'\n")
    d = FrameDictionary.load(path)
    assert d.frames == ["care", "harm"] and d.name == "mine" and len(d.version) == 12
    assert d.contest_frame is None
    assert [m["frame"] for m in d.find("We protect you, no harm done, we hurt none.")] == [
        "care",
        "harm",
        "harm",
    ]


def test_declared_version_and_descriptions(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(
        "name: demo\nversion: '2.1'\nframes:\n  a:\n    description: A frame.\n    terms: [x]\n"
    )
    d = FrameDictionary.load(path)
    assert (d.name, d.version, d.descriptions) == ("demo", "2.1", {"a": "A frame."})


def test_liwc_dic_with_phrases_and_several_categories(tmp_path):
    path = tmp_path / "mfd.dic"
    path.write_text(
        "%\n1\tcare.virtue\n2\tcare.vice\n3\tauthority.virtue\n%\n"
        "compassion\t1\nharm*\t2\nprotect*\t1\t3\nlaw and order\t3\n"
    )
    d = FrameDictionary.load(path)
    assert d.frames == ["care.virtue", "care.vice", "authority.virtue"]
    found = [
        (m["frame"], m["match"])
        for m in d.find("Harmful lack of compassion; protecting law and order")
    ]
    assert found == [
        ("care.vice", "Harmful"),
        ("care.virtue", "compassion"),
        ("care.virtue", "protecting"),
        ("authority.virtue", "protecting"),
        ("authority.virtue", "law and order"),
    ]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("bad.yaml", "a: [x\n", "not valid YAML"),
        ("list.yaml", "- a\n- b\n", "mapping"),
        ("mid.yaml", "a: ['de*fence']\n", "only at the end"),
        ("bool.yaml", "a: [no, maybe]\n", "is not text"),
        ("empty.yaml", "a: []\n", "needs a list of terms"),
        ("x.dic", "word\t1\n", "no % header"),
        ("y.dic", "%\n1\tcare\n%\nword\t7\n", "line 4"),
        ("z.txt", "a: [x]\n", "expected a .yaml"),
    ],
)
def test_bad_dictionary_files_are_one_line_usage_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(UsageError, match=message) as info:
        FrameDictionary.load(path)
    assert "\n" not in str(info.value)


def test_missing_dictionary_file(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        FrameDictionary.load(tmp_path / "nope.yaml")


def test_tokenize_splits_clitics_and_unmasks():
    rules = FrameDictionary.load(None).rules
    assert [t.norm for t in tokenize("It wasn’t bulls**t", rules.unmask)] == [
        "it",
        "was",
        "n't",
        "bullshit",
    ]


WORDS = ["self-defence", "not", "threat", "reckless", "chaos", "the", "spin", "that", "is", "a"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS + [",", ".", "  ", "\n"]), max_size=30))
def test_matches_are_well_formed_on_any_text(words):
    d = FrameDictionary.load(None)
    text = " ".join(words)
    for m in d.find(text):
        assert 0 <= m["start"] < m["end"] <= len(text)
        assert text[m["start"] : m["end"]] == m["match"]
        assert m["frame"] in d.frames
        assert m["rejected"] == (m["cue"] is not None)


def test_docs_define_every_builtin_frame_and_list_its_terms(builtin):
    docs = (Path(__file__).resolve().parent.parent / "docs" / "frames.md").read_text()
    for frame in builtin.frames:
        assert f"### `{frame}`" in docs
        for term in builtin.terms[frame]:
            assert f"`{term}`" in docs, (frame, term)


def test_lexicon_versions_for_the_manifest(builtin):
    from corpuskit.lexicons import versions

    stamp = versions(builtin)
    assert stamp["frames"]["name"] == "use_of_force" and stamp["frames"]["version"] == "1.0"
    assert len(stamp["frames"]["sha256"]) == 64 and len(stamp["rejection_cues"]["sha256"]) == 64
    assert stamp["vaderSentiment"]
