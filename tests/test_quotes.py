"""Quote extraction and attribution: the seed, tricky news constructions, transcripts, robustness."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuskit import quotes, segment

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def run(text: str, meta: dict | None = None):
    """(rows with `text` and `mention` added, entities by speaker) for a document."""
    rows, entities = quotes.extract(text, segment.paragraphs(text), meta or {})
    for r in rows:
        r["text"] = text[r["start"] : r["end"]]
        s, e = r["speaker_start"], r["speaker_end"]
        r["mention"] = text[s:e] if s is not None else None
    return rows, {e["speaker"]: e for e in entities}


def find(rows, fragment: str) -> dict:
    hits = [r for r in rows if fragment in r["text"]]
    assert hits, f"no statement contains {fragment!r}: {[r['text'][:40] for r in rows]}"
    return hits[0]


@pytest.fixture(scope="module")
def seed():
    return run(SEED.read_text(encoding="utf-8"))


SEED_STATEMENTS = [
    ("The Immigration and Customs Enforcement officer shot", "Tricia McLaughlin", "indirect"),
    ("fired defensive shots", "Tricia McLaughlin", "direct"),
    ("the officer “recklessly” shot her", "Jacob Frey", "mixed"),
    ("immigration agents are “causing chaos in our city”", "Jacob Frey", "mixed"),
    ("They’re ripping families apart", "Jacob Frey", "direct"),
    ("that is bulls**t", "Jacob Frey", "direct"),
    ("seeing paramedics perform CPR", "Venus de Mars", "indirect"),
    ("There’s been lots of ICE activity", "Venus de Mars", "direct"),
    ("I’m so angry", "Venus de Mars", "direct"),
    ("it launched the operation", "Department of Homeland Security", "indirect"),
    ("Shame! Shame! Shame!", "protesters", "direct"),
    ("ICE out of Minnesota!", "protesters", "direct"),
    ("ICE agents were telling the driver", "the witness", "direct"),
    ("he [an agent] reached across the hood", "the witness", "direct"),
    ("“act of domestic terrorism”", "Kristi Noem", "mixed"),
]


@pytest.mark.parametrize(("fragment", "speaker", "kind"), SEED_STATEMENTS)
def test_seed_statement_is_found_and_attributed(seed, fragment, speaker, kind):
    row = find(seed[0], fragment)
    assert (row["speaker"], row["kind"]) == (speaker, kind)


def test_seed_scare_quote_is_kept_unattributed(seed):
    row = find(seed[0], "weaponised")
    assert row["kind"] == "scare" and row["speaker"] is None and row["text"] == "weaponised"


def test_seed_mayor_aliases_are_one_speaker(seed):
    rows, entities = seed
    mentions = {r["mention"] for r in rows if r["speaker"] == "Jacob Frey"}
    assert mentions == {"Mayor Jacob Frey", "Frey", "the mayor"}
    assert {"Frey", "Mayor Jacob Frey", "the mayor"} <= set(entities["Jacob Frey"]["aliases"])


def test_seed_roles_and_organizations(seed):
    entities = seed[1]
    dhs = "Department of Homeland Security"
    assert (
        entities["Tricia McLaughlin"]["role"],
        entities["Tricia McLaughlin"]["organization"],
    ) == (
        "spokeswoman",
        dhs,
    )
    assert (entities["Kristi Noem"]["role"], entities["Kristi Noem"]["organization"]) == (
        "Secretary",
        dhs,
    )
    assert entities["Jacob Frey"]["role"] == "Mayor"
    assert entities["Venus de Mars"]["role"] == "resident"
    assert entities["protesters"]["kind"] == "group"
    assert entities["the witness"]["kind"] == "unnamed"
    assert entities[dhs]["kind"] == "organization" and "DHS" in entities[dhs]["aliases"]


def test_seed_cues_are_the_reporting_verbs(seed):
    rows = seed[0]
    assert find(rows, "recklessly")["cue"] == "alleged"
    assert find(rows, "causing chaos")["cue_lemma"] == "add"
    assert find(rows, "fired defensive shots")["cue"] == "wrote"
    assert find(rows, "Shame!")["cue"] == "chanted"
    assert find(rows, "ICE agents were telling")["cue"] == "saying"


def test_seed_spans_give_back_the_text(seed):
    text = SEED.read_text(encoding="utf-8")
    for row in seed[0]:
        assert text[row["start"] : row["end"]] == row["text"]
        if row["cue"] is not None:
            assert text[row["cue_start"] : row["cue_end"]] == row["cue"]
        if row["kind"] in ("direct", "scare"):
            assert text[row["start"] - 1] in '“"', row["text"]


def test_seed_quotes_regression(seed, data_regression):
    data_regression.check(
        [
            {k: r[k] for k in ("kind", "speaker", "mention", "cue", "cue_lemma", "text")}
            for r in seed[0]
        ]
    )


TRICKY = [
    # "said X" inversion with apposition
    (
        "“We will not back down,” said Sen. Jane Doe, D-Ohio, on Tuesday.",
        "We will not back down",
        "Jane Doe",
        "Sen. Jane Doe",
    ),
    # pronoun resolved to the last named woman
    (
        "Maria Lopez, a nurse, was at home.\n\n“It was terrifying,” she said.",
        "It was terrifying",
        "Maria Lopez",
        "she",
    ),
    # speaker only in the previous paragraph
    (
        "“The budget is balanced,” Mayor Ann Cho said.\n\n“Nobody believed us a year ago.”",
        "Nobody believed us",
        "Ann Cho",
        "Mayor Ann Cho",
    ),
    # organization as speaker
    (
        "“The strike was lawful,” the Pentagon said in a statement.",
        "The strike was lawful",
        "Pentagon",
        "the Pentagon",
    ),
    # colon cue before the quote
    (
        "Smith told reporters: “We are done negotiating.”",
        "We are done negotiating",
        "Smith",
        "Smith",
    ),
    # straight quotation marks
    ('"It is over," Jones said.', "It is over", "Jones", "Jones"),
    # unnamed speaker and its later definite alias
    (
        "A witness said the car sped away.\n\n“It never stopped,” the witness said.",
        "It never stopped",
        "the witness",
        "the witness",
    ),
    # relative clause between speaker and cue
    (
        "A woman who lives nearby said, “I heard three shots.”",
        "I heard three shots",
        "the woman",
        "A woman",
    ),
]


@pytest.mark.parametrize(("text", "fragment", "speaker", "mention"), TRICKY)
def test_tricky_constructions(text, fragment, speaker, mention):
    rows, _ = run(text)
    row = find(rows, fragment)
    assert (row["speaker"], row["mention"]) == (speaker, mention)


def test_two_speakers_in_one_paragraph():
    text = (
        "“This is a good deal,” Councilmember Ana Ruiz said, while Councilmember Greg Tobin "
        "warned that “we cannot afford it.”"
    )
    rows, _ = run(text)
    assert find(rows, "This is a good deal")["speaker"] == "Ana Ruiz"
    assert find(rows, "we cannot afford it")["speaker"] == "Greg Tobin"


def test_quote_over_several_paragraphs_is_one_statement():
    text = (
        "Union president Marcus Bell spoke for an hour.\n\n"
        "“We were told there was no money.\n\n"
        "“Now there is money for everyone else.\n\n"
        "“That is not reform,” Bell said."
    )
    rows, _ = run(text)
    direct = [r for r in rows if r["kind"] == "direct"]
    assert len(direct) == 1
    assert direct[0]["text"].startswith("We were told") and direct[0]["text"].endswith("reform,")
    assert direct[0]["speaker"] == "Marcus Bell"


def test_quotes_inside_quotes_stay_in_the_outer_statement():
    text = "“My wife told me, ‘Go see her,’ so here I am,” said Bill Raskin."
    rows, _ = run(text)
    assert len(rows) == 1 and "‘Go see her,’" in rows[0]["text"]
    assert rows[0]["speaker"] == "Bill Raskin"


def test_according_to_before_and_after():
    text = (
        "Three people died, according to police.\n\n"
        "According to the agency, 40 homes were destroyed in the fire."
    )
    rows, _ = run(text)
    assert find(rows, "Three people died")["mention"] == "police"
    assert find(rows, "40 homes were destroyed")["mention"] == "the agency"


def test_split_quote_around_the_cue_is_one_statement():
    text = "“We tried,” he said, “but the votes were not there.” Senator Hal Ames added nothing."
    rows, _ = run(text)
    row = find(rows, "We tried")
    assert row["text"].endswith("the votes were not there.")


def test_negated_speech_is_not_a_statement():
    rows, _ = run("The spokesman declined to say whether the plant would close next year.")
    assert rows == []


def test_lone_quoted_word_without_speaker_is_scare():
    rows, _ = run("The company called it a “pause” rather than a closure, officials said.")
    row = find(rows, "pause")
    assert row["kind"] in ("scare", "mixed")
    if row["kind"] == "scare":
        assert row["speaker"] is None


def test_transcript_prefixes_attribute_following_paragraphs():
    text = (
        "(Cheers.)\nBARACK OBAMA: Thank you.\nAUDIENCE MEMBERS: Four more years!\n"
        "BARACK OBAMA: Thank you so much.\nMichelle, I love you."
    )
    rows, entities = run(text)
    assert [(r["speaker"], r["text"]) for r in rows] == [
        ("Barack Obama", "Thank you."),
        ("Audience Members", "Four more years!"),
        ("Barack Obama", "Thank you so much."),
        ("Barack Obama", "Michelle, I love you."),
    ]
    assert all(r["kind"] == "transcript" for r in rows)
    assert entities["Audience Members"]["kind"] == "group"


def test_note_in_news_prose_is_not_a_transcript():
    text = "Note: this story was updated.\n\n“We are closed,” the owner said."
    rows, _ = run(text)
    assert [r["kind"] for r in rows] == ["direct"]


def test_metadata_speaker_makes_the_document_a_transcript():
    text = "Good evening.\n\nWelcome to the debate."
    rows, entities = run(text, {"speaker": "QUIJANO"})
    assert [(r["kind"], r["speaker"], r["text"]) for r in rows] == [
        ("transcript", "QUIJANO", "Good evening."),
        ("transcript", "QUIJANO", "Welcome to the debate."),
    ]
    assert list(entities) == ["QUIJANO"]


def test_empty_and_markless_texts():
    assert quotes.extract("", [], {}) == ([], [])
    assert quotes.extract("   \n", [(0, 4, False)], {}) == ([], [])
    rows, _ = run("The weather was mild and the market was quiet.")
    assert rows == []


ALPHABET = st.sampled_from(list("abc XYZ.,;:!?\n\"“”‘’'—-()") + ["said ", "he ", "Smith ", "“A,” "])


@settings(max_examples=150, deadline=None)
@given(st.lists(ALPHABET, max_size=80).map("".join))
def test_random_text_never_raises_and_spans_are_in_bounds(text):
    rows, entities = quotes.extract(text, segment.paragraphs(text), {})
    for r in rows:
        assert 0 <= r["start"] <= r["end"] <= len(text)
        if r["speaker_start"] is not None:
            assert 0 <= r["speaker_start"] < r["speaker_end"] <= len(text)
    assert all(isinstance(e["aliases"], list) for e in entities)


@pytest.mark.parametrize(
    ("text", "fragment", "speaker", "mention"),
    [
        # party code in parentheses between name and cue
        (
            "Sen. John Thune (R-S.D.) said Tuesday that the chamber would vote next week.",
            "the chamber would vote",
            "John Thune",
            "Sen. John Thune",
        ),
        # party code apposition followed by a relative clause
        (
            "Sen. Chris Murphy, D-Conn., who attended, told NBC News that the party must act.",
            "the party must act",
            "Chris Murphy",
            "Sen. Chris Murphy",
        ),
        # a nickname in quotes is part of the name, not a quote
        (
            "“We kept the trains running,” House Speaker Emanuel “Chris” Welch told reporters.",
            "We kept the trains running",
            "Emanuel Welch",
            "House Speaker Emanuel “Chris” Welch",
        ),
        # `whose son …` in an apposition does not make the speaker male
        (
            "Karen Liu, whose son is a junior, said the plan was rushed.\n\n"
            "“What happens in a lockdown?” she asked.",
            "What happens in a lockdown?",
            "Karen Liu",
            "she",
        ),
        # a relative's pronoun goes to the relative, not to the last named man
        (
            "“We will appeal,” said lawyer Mark Pomerantz. The defendant’s sister wept.\n\n"
            "“She gave her life to this city,” she told reporters.",
            "She gave her life",
            "the sister",
            "she",
        ),
    ],
)
def test_more_news_constructions(text, fragment, speaker, mention):
    rows, _ = run(text)
    row = find(rows, fragment)
    assert (row["speaker"], row["mention"]) == (speaker, mention)


def test_quoted_show_title_is_not_a_statement():
    text = "“It is a mistake,” Sen. Rand Paul said on CNN’s “State of the Union.”"
    rows, _ = run(text)
    assert find(rows, "State of the Union")["kind"] == "scare"
    assert find(rows, "It is a mistake")["speaker"] == "Rand Paul"


def test_dateline_is_not_part_of_an_indirect_statement():
    text = "KYIV, Ukraine (Reuters) - Russia launched 400 drones overnight, the air force said."
    rows, _ = run(text)
    assert find(rows, "Russia launched")["text"] == "Russia launched 400 drones overnight"


def test_single_line_breaks_between_paragraphs_give_the_same_statements(seed):
    text = SEED.read_text(encoding="utf-8").replace("\n\n", "\n ")
    rows, _ = quotes.extract(text, [(0, len(text), False)], {})
    got = [(text[r["start"] : r["end"]], r["speaker"]) for r in rows]
    assert got == [(r["text"], r["speaker"]) for r in seed[0]]
