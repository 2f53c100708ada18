"""Lexicon sentiment (VADER compound score, -1..1) for sentences and quotes.

VADER rates words, not frames: "fired defensive shots" scores strongly negative and
"recklessly shot her" neutral (docs/frames.md). It is pure Python; see the docs for its cost.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def score(texts: list[str]) -> list[float]:
    """VADER compound score of each text (0.0 for an empty one); repeated texts are scored once."""
    analyzer = _analyzer()
    seen: dict[str, float] = {}
    out = []
    for text in texts:
        if text not in seen:
            seen[text] = float(analyzer.polarity_scores(text)["compound"]) if text.strip() else 0.0
        out.append(seen[text])
    return out
