"""Quotation marks: single marks as primary quotes, apostrophes, run-on sentences."""

from __future__ import annotations

from corpuskit import quotemarks


def spans_text(text: str) -> list[str]:
    paragraphs = [(0, len(text), False)]
    double = quotemarks.find_quotes(text, paragraphs)
    return [text[s:e] for s, e in quotemarks.single_quotes(text, paragraphs, double)]


def test_straight_single_quotes_pair_in_a_headline():
    assert spans_text("'We will not back down': Hochul vows to fight cuts") == [
        "We will not back down"
    ]


def test_curly_single_quotes_pair_as_primary_marks():
    assert spans_text("‘It is over,’ Jones said.") == ["It is over,"]


def test_apostrophes_are_not_quotation_marks():
    text = "The governors' association met in a '90s hall; rock 'n' roll isn't dead, Smith's aide said."
    assert spans_text(text) == []


def test_single_quotes_inside_double_quotes_stay_in_the_outer_quote():
    text = "“I said, ‘You’re going to lose people like me,’ and I meant it,” Bacon said."
    assert spans_text(text) == []


def test_run_on_sentence_is_cut_into_bounded_pieces():
    text = "the mayor said the plan would cost money, " * 400
    spans = quotemarks.sentence_spans(text, 0, len(text))
    assert len(spans) > 1
    assert max(e - s for s, e in spans) <= quotemarks.MAX_SENTENCE
    assert spans[0][0] == 0 and spans[-1][1] == len(text)


def test_single_quotes_skip_paragraphs_without_an_opening_mark():
    text = "It’s the ’90s again.\n\nHe called it 'a disgrace' today."
    paragraphs = [(0, 20, False), (22, len(text), False)]
    spans = quotemarks.single_quotes(text, paragraphs, [])
    assert [text[s:e] for s, e in spans] == ["a disgrace"]
