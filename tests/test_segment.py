"""Paragraphs, sub-headings and the news-aware sentence splitter."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpuskit import readers, segment

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def split(text: str) -> list[str]:
    paras = segment.paragraphs(text)
    return [text[s:e] for _, s, e in segment.sentences(text, paras)]


def para_texts(text: str) -> list[tuple[str, bool]]:
    return [(text[s:e], h) for s, e, h in segment.paragraphs(text)]


@pytest.fixture(scope="module")
def seed_text() -> str:
    _, docs = readers.read_file(SEED, SEED.parent, "seed")
    return docs[0]["text"]


def test_seed_has_18_paragraphs_and_one_heading(seed_text):
    paras = segment.paragraphs(seed_text)
    assert len(paras) == 18
    headings = [seed_text[s:e] for s, e, h in paras if h]
    assert headings == ["Dramatic escalation"]


def test_seed_heading_is_not_part_of_any_sentence(seed_text):
    paras = segment.paragraphs(seed_text)
    heading = next(i for i, (_, _, h) in enumerate(paras) if h)
    sents = segment.sentences(seed_text, paras)
    assert all(p != heading for p, _, _ in sents)
    assert not any("Dramatic escalation" in seed_text[s:e] for _, s, e in sents)
    next_para = [seed_text[s:e] for p, s, e in sents if p == heading + 1]
    assert next_para[0].startswith("A dark-coloured SUV")


def test_seed_quoted_sentences(seed_text):
    sents = split(seed_text)
    assert (
        "“Shame! Shame! Shame!” and “ICE out of Minnesota!”, they loudly chanted"
        " from behind the police tape." in sents
    )
    assert any(
        s.endswith("quite literally killing people,” Frey said at a news conference.")
        for s in sents
    )
    assert any("Minneapolis and St Paul have been on edge" in s for s in sents)
    assert any("1.6km (one mile)" in s for s in sents)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("Sen. Kaine and Gov. Pence spoke.", ["Sen. Kaine and Gov. Pence spoke."]),
        ("He served in the U.S. Marines. He left.", ["He served in the U.S. Marines.", "He left."]),
        (
            "He lives in the U.S. The mayor does not.",
            ["He lives in the U.S.", "The mayor does not."],
        ),
        ("The U.N. said so. Mrs. May agreed.", ["The U.N. said so.", "Mrs. May agreed."]),
        (
            "John F. Kennedy died in 1963. It was a Friday.",
            ["John F. Kennedy died in 1963.", "It was a Friday."],
        ),
        (
            "It began at 9 a.m. Monday. It ended at 5 p.m. The crowd left.",
            ["It began at 9 a.m. Monday.", "It ended at 5 p.m.", "The crowd left."],
        ),
        (
            "They met on Jan. 7 in St. Paul. Nobody came.",
            ["They met on Jan. 7 in St. Paul.", "Nobody came."],
        ),
        ("See No. 5 on the list. It is fine.", ["See No. 5 on the list.", "It is fine."]),
        (
            "It is 1.6km away and cost $2.5 million. Fine.",
            ["It is 1.6km away and cost $2.5 million.", "Fine."],
        ),
        ("I was... I don't know. Really?", ["I was...", "I don't know.", "Really?"]),
        ("He paused… and went on. Done!", ["He paused… and went on.", "Done!"]),
        ("... Senator, you may respond. Go.", ["... Senator, you may respond.", "Go."]),
        ("MR. ROMNEY: Hello. MS. : Good evening.", ["MR. ROMNEY: Hello.", "MS. : Good evening."]),
        ("“Shame!” they chanted. Then they left.", ["“Shame!” they chanted.", "Then they left."]),
        ("“Go home.” He left.", ["“Go home.”", "He left."]),
        (
            'He said "Go home now. Please." Then he left.',
            ['He said "Go home now.', 'Please."', "Then he left."],
        ),
        (
            "Thank you. (Cheers, applause.) Thank you.",
            ["Thank you.", "(Cheers, applause.)", "Thank you."],
        ),
        (
            "“It was killing people,” Frey said. Noem disagreed.",
            ["“It was killing people,” Frey said.", "Noem disagreed."],
        ),
    ],
)
def test_sentence_splitting(text, expected):
    assert split(text) == expected


def test_quote_spanning_two_sentences_splits_inside_but_keeps_the_cue():
    text = "“They are ripping families apart. They are killing people,” Frey said. He left."
    assert split(text) == [
        "“They are ripping families apart.",
        "They are killing people,” Frey said.",
        "He left.",
    ]


def test_unclosed_quotation_does_not_spill_into_next_paragraph():
    text = "“Stop it now. This is not over, he said.\n\nThe police came. Everyone left."
    assert split(text) == [
        "“Stop it now.",
        "This is not over, he said.",
        "The police came.",
        "Everyone left.",
    ]


def test_blank_line_paragraphs_keep_hard_wrapped_lines_together():
    text = "First paragraph\nwraps here. Yes.\n\n  \nSecond one.\n"
    assert para_texts(text) == [
        ("First paragraph\nwraps here. Yes.", False),
        ("Second one.", False),
    ]


def test_transcript_lines_are_paragraphs_without_headings():
    text = "QUIJANO: Good evening.\nKAINE: Thank you\nPENCE: Thanks\nand more words"
    assert para_texts(text) == [
        ("QUIJANO: Good evening.", False),
        ("KAINE: Thank you", False),
        ("PENCE: Thanks\nand more words", False),
    ]


def test_name_turns_split_a_blank_line_block():
    text = "Intro line.\n\nBARACK OBAMA: Thank you.\nAUDIENCE MEMBERS: Four more years!"
    assert [t for t, _ in para_texts(text)] == [
        "Intro line.",
        "BARACK OBAMA: Thank you.",
        "AUDIENCE MEMBERS: Four more years!",
    ]


@pytest.mark.parametrize(
    "text, heading",
    [
        ("Dramatic escalation\n\nThe body.", True),
        ("Dramatic escalation\nThe body follows directly.\n\nMore.", True),
        ("Dramatic escalation\nThe body, no blank line anywhere.", False),  # line mode
        ("What happened next?\n\nThe body.", False),  # final punctuation
        ("“Shame\n\nThe body.", False),  # a quotation
        ("the lower case start\n\nThe body.", False),
        ("KAINE: Thank you\n\nThe body.", False),  # a transcript turn
        ("This line is much too long to be a heading of any news article at all\n\nBody.", False),
        ("Only paragraph", False),  # the last paragraph is never a heading
        ("## Why it matters?\n\nThe body.", True),  # Markdown heading
    ],
)
def test_heading_rules(text, heading):
    assert segment.paragraphs(text)[0][2] is heading


def test_heading_line_followed_by_lower_case_line_is_a_wrapped_paragraph():
    text = "The council met on\nmonday evening.\n\nMore."
    assert para_texts(text)[0] == ("The council met on\nmonday evening.", False)


def test_empty_and_whitespace_text():
    assert segment.paragraphs("") == []
    assert segment.paragraphs(" \n\n \t\n") == []
    assert segment.sentences("", []) == []


def test_offsets_round_trip_on_crlf_free_text_with_leading_space():
    text = "  Lede here. Second.\n\nHeading\n\nLast one!  "
    paras = segment.paragraphs(text)
    assert [text[s:e] for s, e, _ in paras] == ["Lede here. Second.", "Heading", "Last one!"]
    for p, s, e in segment.sentences(text, paras):
        ps, pe, _ = paras[p]
        assert ps <= s < e <= pe
        assert text[s:e] == text[s:e].strip()


def test_abbreviation_lists_load_from_data_files():
    titles, others = segment.abbreviations()
    assert {"Mr", "Dr", "Sen", "Gov", "St"} <= titles
    assert {"U.S", "a.m", "Inc"} <= others
    assert "the" in segment.sentence_starters()
