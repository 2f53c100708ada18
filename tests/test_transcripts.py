"""Transcripts: upper-case and title-case speaker prefixes, Q/A turns, news prose left alone."""

from __future__ import annotations

from corpuskit import quotes, segment


def turns(text: str) -> list[tuple[str, str, str | None]]:
    rows, _ = quotes.extract(text, segment.paragraphs(text), {})
    return [
        (
            r["kind"],
            text[r["start"] : r["end"]],
            r["speaker"],
            text[r["speaker_start"] : r["speaker_end"]] if r["speaker_start"] is not None else None,
        )
        for r in rows
    ]


def test_title_case_prefixes_over_several_paragraphs_make_a_transcript():
    text = (
        "Below is a transcript.\n\nWelker: Thank you for being here.\n\n"
        "Klobuchar: Thanks for having me.\n\nWelker: Will you vote for it?\n\n"
        "Klobuchar: I think so."
    )
    assert turns(text) == [
        ("transcript", "Thank you for being here.", "Welker", "Welker"),
        ("transcript", "Thanks for having me.", "Klobuchar", "Klobuchar"),
        ("transcript", "Will you vote for it?", "Welker", "Welker"),
        ("transcript", "I think so.", "Klobuchar", "Klobuchar"),
    ]


def test_honorific_prefixes_and_unnamed_q_a_turns():
    text = (
        "Q: Will you run?\n\nA: I have not decided.\n\nMr. Smith: Let me add something.\n\n"
        "Ms. Jones: I disagree.\n\nMr. Smith: Of course you do."
    )
    got = turns(text)
    assert [(t[1], t[2]) for t in got] == [
        ("Let me add something.", "Mr. Smith"),
        ("I disagree.", "Ms. Jones"),
        ("Of course you do.", "Mr. Smith"),
    ]
    assert "Q" not in {t[2] for t in got} and "A" not in {t[2] for t in got}


def test_upper_case_turns_carry_the_prefix_as_mention():
    text = "BARACK OBAMA: Thank you.\nAUDIENCE MEMBERS: Four more years!"
    assert turns(text)[0] == ("transcript", "Thank you.", "Barack Obama", "BARACK OBAMA")


def test_one_off_labels_in_news_prose_are_not_a_transcript():
    text = (
        "Why it matters: The vote was close.\n\nContext: The Senate met on Monday.\n\n"
        "Flashback: In 2019, it failed.\n\nDetails: Three members abstained."
    )
    assert all(t[0] != "transcript" for t in turns(text))


def test_a_headline_label_names_the_speaker_of_its_quote():
    text = "Trump: ‘We will win’\n\nContext: “The vote was close.”"
    got = turns(text)
    assert got[0] == ("direct", "We will win", "Trump", "Trump")
    assert got[1][0] == "scare"
