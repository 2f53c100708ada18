"""scikit-learn transformers over a column of texts: frame rates and VADER sentiment.

Usable as steps of a Pipeline (e.g. before a LogisticRegression) or in a ColumnTransformer.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from corpuskit.errors import UsageError
from corpuskit.text import count_words


def _texts(X) -> list[str]:
    """A 1-D sequence of texts (list, Series, 1-D array or one-column 2-D array) as strings."""
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    arr = np.asarray(X, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise UsageError(f"expected a 1-D sequence of texts, got shape {arr.shape}")
    return ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in arr]


class FrameScorer(TransformerMixin, BaseEstimator):
    """Frame matches per `per` words of each text, one column per frame of `dictionary`.

    `dictionary`: None (built-in use-of-force), a path to a .yaml/.dic file, or a
    FrameDictionary. Rejected matches count toward the contestation frame, as in
    speaker_features.
    """

    def __init__(self, dictionary=None, per: int = 1000):
        self.dictionary = dictionary
        self.per = per

    def fit(self, X, y=None):
        from corpuskit.frames import FrameDictionary

        self.dictionary_ = FrameDictionary.load(self.dictionary)
        self.n_features_in_ = 1
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "dictionary_")
        texts = _texts(X)
        frames = self.dictionary_.frames
        out = np.zeros((len(texts), len(frames)))
        for i, text in enumerate(texts):
            n_words = count_words(text)
            if n_words:
                counts = self.dictionary_.count(text)
                out[i] = [self.per * counts[f] / n_words for f in frames]
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "dictionary_")
        return np.array([f"frame_{f}" for f in self.dictionary_.frames], dtype=object)


class SentimentScorer(TransformerMixin, BaseEstimator):
    """VADER compound score (-1..1) of each text, as one column `sentiment`."""

    def fit(self, X, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, X) -> np.ndarray:
        from corpuskit import sentiment

        check_is_fitted(self, "n_features_in_")
        return np.asarray(sentiment.score(_texts(X)), dtype=float).reshape(-1, 1)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(["sentiment"], dtype=object)
