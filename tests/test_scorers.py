"""scikit-learn transformers: FrameScorer and SentimentScorer in a Pipeline."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

from corpuskit.scorers import FrameScorer, SentimentScorer

DEFENSIVE = [
    "The officer feared for his life and fired defensive shots.",
    "He acted in self-defense against a threat to officers.",
    "Agents protected themselves from a driver who weaponized her car.",
    "The officer defended himself; the vehicle was a threat.",
]
RECKLESS = [
    "The agents acted recklessly and caused chaos in our city.",
    "This was excessive, unjustified force.",
    "A reckless, chaotic operation with unnecessary shooting.",
    "Brutal and unprovoked: the escalation was reckless.",
]


def test_frame_scorer_rates_per_thousand_words_with_names():
    scorer = FrameScorer().fit(["x"])
    out = scorer.transform(pd.Series(["It was reckless.", "", None]))
    names = list(scorer.get_feature_names_out())
    assert names[:2] == ["frame_defensive", "frame_reckless"]
    assert out.shape == (3, len(names))
    assert out[0, names.index("frame_reckless")] == pytest.approx(1000 / 3)
    assert not out[1:].any()


def test_rejected_terms_count_as_contestation():
    scorer = FrameScorer(per=1).fit([])
    names = scorer.get_feature_names_out()
    out = dict(zip(names, scorer.transform(["It was not self-defence."])[0], strict=True))
    assert out["frame_defensive"] == 0 and out["frame_contestation"] == pytest.approx(1 / 4)


def test_pipeline_with_logistic_regression_separates_frames():
    texts = DEFENSIVE + RECKLESS
    labels = [0] * len(DEFENSIVE) + [1] * len(RECKLESS)
    model = make_pipeline(make_union(FrameScorer(), SentimentScorer()), LogisticRegression())
    model.fit(texts, labels)
    assert model.score(texts, labels) == 1.0
    assert model.predict(["Total chaos, reckless and excessive."])[0] == 1
    names = model[0].get_feature_names_out()
    assert "sentimentscorer__sentiment" in names and "framescorer__frame_reckless" in names


def test_params_clone_and_pickle(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("care: [protect*]\n")
    scorer = FrameScorer(dictionary=str(path), per=100)
    assert scorer.get_params() == {"dictionary": str(path), "per": 100}
    twin = clone(scorer).set_params(per=10)
    assert twin.per == 10 and not hasattr(twin, "dictionary_")
    fitted = pickle.loads(pickle.dumps(twin.fit([])))
    assert np.allclose(fitted.transform(["we protect you"]), [[10 / 3]])


def test_sentiment_scorer_is_one_column():
    out = (
        SentimentScorer().fit([]).transform(np.array([["I love it"], ["I hate it"]], dtype=object))
    )
    assert out.shape == (2, 1) and out[0, 0] > 0 > out[1, 0]
    assert list(SentimentScorer().get_feature_names_out()) == ["sentiment"]
