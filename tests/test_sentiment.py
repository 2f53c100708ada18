"""Lexicon sentiment: VADER compound scores, and why they are not framing."""

from __future__ import annotations

import pytest

from corpuskit import sentiment


def test_scores_are_vader_compound_in_order():
    scores = sentiment.score(["I love this.", "I hate this.", ""])
    assert scores[0] > 0.5 and scores[1] < -0.5 and scores[2] == 0.0


def test_lexicon_sentiment_is_not_framing():
    # The numbers quoted in docs/frames.md: a defensive account reads as negative, a
    # reckless-shooting account as neutral.
    defensive, reckless = sentiment.score(["fired defensive shots", "recklessly shot her"])
    assert defensive == pytest.approx(-0.5423, abs=1e-4)
    assert reckless == 0.0


def test_repeated_texts_score_the_same():
    assert sentiment.score(["Shame!", "Shame!"]) == [sentiment.score(["Shame!"])[0]] * 2
