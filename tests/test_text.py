"""Words: the one definition every count in corpuskit uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpuskit.text import WORD_RE, count_words, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("Don't call it self-defence.", 4),
        ("2,000 agents, 3.5 million people", 5),
        ("snake_case and __dunder__ are split at underscores", 8),
        ("’quoted’ — then…", 2),
    ],
)
def test_count_words(text, expected):
    assert count_words(text) == expected == len(words(text))


@given(st.text(alphabet=st.sampled_from("ab_1 ,.-'’\n\té"), max_size=60))
def test_count_words_counts_the_matches_of_the_word_pattern(text):
    assert count_words(text) == sum(1 for _ in WORD_RE.finditer(text))
