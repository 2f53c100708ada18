"""The supervised frame classifier: fit/predict, CV, multi-label, abstention, save/load, apply, CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

import corpuskit
from corpuskit import classify, schema
from corpuskit.classify import FrameClassifier
from corpuskit.cli import main
from corpuskit.corpus import Corpus
from corpuskit.errors import UsageError

DATA = Path(__file__).resolve().parent / "data"
HEADLINES = DATA / "frames_headlines.csv"
MULTI = DATA / "frames_multilabel.csv"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def headlines() -> pd.DataFrame:
    return pd.read_csv(HEADLINES)


@pytest.fixture(scope="module")
def four_frames(headlines) -> pd.DataFrame:
    """A quicker subset for repeated cross-validation: four frames, about 200 headlines."""
    keep = headlines["frame"].isin(["crime", "economic", "health", "legality"])
    return headlines[keep].reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(headlines) -> FrameClassifier:
    return FrameClassifier(features="tfidf").fit(headlines["headline"], headlines["frame"])


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model") / "frames.joblib"
    assert (
        main(
            [
                "frames",
                "train",
                str(HEADLINES),
                "--text",
                "headline",
                "--label",
                "frame",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_fit_predict_unseen_headlines(fitted):
    unseen = [
        "Poll shows most voters want tougher gun laws",
        "Judge strikes down state ban on carrying guns in parks",
        "Police arrest man after shooting outside bar",
        "Doctors say firearm injuries are a public health emergency",
    ]
    assert list(fitted.predict(unseen)) == ["public_opinion", "legality", "crime", "health"]
    proba = fitted.predict_proba(unseen)
    assert proba.shape == (4, 9)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert fitted.decision_function(unseen).shape == (4, 9)
    assert list(fitted.classes_) == sorted(set(fitted.classes_))


def test_held_out_accuracy_well_above_chance(headlines):
    train, test = headlines.iloc[:370], headlines.iloc[370:]
    model = FrameClassifier(features="tfidf").fit(train["headline"], train["frame"])
    assert model.score(test["headline"], test["frame"]) > 0.5  # nine frames: chance is ~0.11


def test_cross_validation_is_identical_run_to_run(four_frames):
    texts, labels = four_frames["headline"].tolist(), four_frames["frame"].tolist()
    first = classify.cross_validate(texts, labels, folds=3, seed=1, features="tfidf")
    second = classify.cross_validate(texts, labels, folds=3, seed=1, features="tfidf")
    assert first == second
    assert first["n"] == len(texts) and first["folds"] == 3 and first["seed"] == 1
    assert 0.5 < first["accuracy"] <= 1 and 0.5 < first["macro_f1"] <= 1
    assert set(first["per_frame"]) == set(labels)
    assert sum(f["support"] for f in first["per_frame"].values()) == len(texts)
    assert classify.cross_validate(texts, labels, folds=3, seed=2, features="tfidf") != first


def test_multilabel_from_delimited_strings():
    df = pd.read_csv(MULTI)
    model = FrameClassifier(label_threshold=0.3, features="tfidf")
    model.fit(df["headline"], df["frames"])
    assert model.multilabel_ and len(model.classes_) == 9
    dual = df[df["frames"].str.contains(";")]
    sets = model.predict_sets(dual["headline"])
    both = sum(set(p) == set(t.split(";")) for p, t in zip(sets, dual["frames"], strict=True))
    assert both >= len(dual) // 2  # training examples: most dual codes come back whole
    assert all(";" in p or p in model.classes_ for p in model.predict(dual["headline"]))
    proba = model.predict_proba(dual["headline"])
    assert proba.shape == (len(dual), 9) and not np.allclose(proba.sum(axis=1), 1.0)


def test_multilabel_from_lists_and_cv():
    texts = ["tax hike on guns", "court rules on gun tax", "judge blocks law", "sales fall"] * 3
    labels = [["economic"], ["economic", "legality"], ["legality"], ["economic"]] * 3
    model = FrameClassifier(features="tfidf").fit(texts, labels)
    assert model.multilabel_ and list(model.classes_) == ["economic", "legality"]
    result = classify.cross_validate(texts, labels, folds=2, features="tfidf")
    assert result["multilabel"] and set(result["per_frame"]) == {"economic", "legality"}


def test_abstention_below_threshold(fitted):
    vague = ["Weather is nice", "A day like any other"]
    assert list(copy.deepcopy(fitted).set_params(threshold=0.99).predict(vague)) == [None, None]
    model = copy.deepcopy(fitted).set_params(threshold=0.99, abstain_label="none")
    assert list(model.predict(vague)) == ["none", "none"]
    assert model.predict_sets(vague) == [["none"], ["none"]]
    assert all(p in fitted.classes_ for p in fitted.predict(vague))  # threshold 0: never abstains
    top = fitted.predict_proba(["Police arrest man after shooting outside bar"]).max()
    assert (
        copy.deepcopy(fitted)
        .set_params(threshold=top - 0.01)
        .predict(["Police arrest man after shooting outside bar"])[0]
        == "crime"
    )


def test_save_load_round_trip(fitted, headlines, tmp_path):
    path = tmp_path / "m.joblib"
    meta = fitted.save(path)
    loaded = FrameClassifier.load(path)
    texts = headlines["headline"].tolist()[:50]
    np.testing.assert_array_equal(loaded.predict_proba(texts), fitted.predict_proba(texts))
    sidecar = json.loads(classify.sidecar(path).read_text())
    assert sidecar == meta
    assert sidecar["labels"] == list(fitted.classes_)
    assert {"corpuskit", "scikit_learn", "params", "multilabel"} <= set(sidecar)


def test_load_warns_on_other_sklearn_version(fitted, tmp_path, capsys):
    path = tmp_path / "old.joblib"
    joblib.dump({"format": 1, "metadata": {"scikit_learn": "0.0"}, "model": fitted}, path)
    classify.load_model(path)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scikit-learn 0.0" in err


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.joblib"
    bad.write_text("not a model")
    with pytest.raises(UsageError, match="cannot read frame model"):
        classify.load_model(bad)
    joblib.dump({"model": "nope"}, bad)
    with pytest.raises(UsageError, match="not a model saved"):
        classify.load_model(bad)


def test_train_csv_records_data_hash(model_file):
    meta = json.loads(classify.sidecar(model_file).read_text())
    assert meta["data_sha256"] == classify.file_sha256(HEADLINES)
    assert meta["n_train"] == 462 and len(meta["training_sha256"]) == 64


def _toy_corpus(quote_rows: list[dict]) -> Corpus:
    empty = {name: schema.frame(name, []) for name in schema.TABLE_NAMES}
    for i, row in enumerate(quote_rows):
        row.update(doc_id="d", paragraph=i, start=0, end=len(row["text"]), n_words=3, sentiment=0.0)
    empty["quotes"] = schema.frame("quotes", quote_rows)
    return Corpus(**empty)


def test_apply_to_corpus_adds_predictions_and_speaker_shares(model_file):
    rows = [
        {"quote_id": f"d#q{i}", "speaker_id": sid, "speaker": name, "text": text}
        for i, (sid, name, text) in enumerate(
            [
                ("a", "Ann", "The shooting will cost the city millions in lost business"),
                ("a", "Ann", "Gun sales and jobs will suffer under this tax"),
                ("a", "Ann", "The judge should strike down this unconstitutional law"),
                ("b", "Bob", "Police arrested the gunman after a deadly robbery"),
                (None, None, "Nobody said this"),
            ]
        )
    ]
    corpus = classify.apply_to_corpus(_toy_corpus(rows), model_file, None)
    assert corpus.quotes["frame_pred"].tolist()[:2] == ["economic", "economic"]
    assert corpus.quotes["frame_pred_proba"].between(0, 1).all()
    feats = corpus.speaker_features.set_index("speaker_id")
    assert list(feats.index) == ["a", "b"]
    assert feats.loc["a", "pred_economic"] == pytest.approx(2 / 3)
    assert feats.loc["b", "pred_crime"] == 1.0
    for frame in ("economic", "crime", "legality"):
        assert (feats[f"pred_{frame}_low"] <= feats[f"pred_{frame}"]).all()
        assert (feats[f"pred_{frame}"] <= feats[f"pred_{frame}_high"]).all()
    again = classify.apply_to_corpus(_toy_corpus(rows), model_file, None)
    pd.testing.assert_frame_equal(again.speaker_features, corpus.speaker_features)


def test_apply_to_corpus_without_quotes(model_file):
    corpus = classify.apply_to_corpus(_toy_corpus([]), model_file, None)
    assert "frame_pred" in corpus.quotes and len(corpus.quotes) == 0
    assert len(corpus.speaker_features) == 0


def test_build_with_model_matches_python_predictions(model_file, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0]).read_text()
    )
    out = tmp_path / "out"
    code = main(
        ["build", str(docs), "--out", str(out), "--frame-model", str(model_file), "--no-progress"]
    )
    assert code == 0
    quotes = pd.read_parquet(out / "quotes.parquet")
    model = FrameClassifier.load(model_file)
    if len(quotes):
        assert quotes["frame_pred"].tolist() == list(model.predict(quotes["text"].tolist()))
    feats = pd.read_parquet(out / "speaker_features.parquet")
    assert all(f"pred_{f}" in feats for f in model.classes_)
    assert len(corpuskit.read(docs, progress=False, frame_model=str(model_file)).quotes) == len(
        quotes
    )


def test_learning_curve_grows_with_examples(four_frames):
    curve = classify.learning_curve(
        four_frames["headline"],
        four_frames["frame"],
        sizes=(0.2, 1.0),
        folds=3,
        seed=0,
        features="tfidf",
    )
    assert list(curve.columns) == [
        "n_train",
        "accuracy_mean",
        "accuracy_sd",
        "macro_f1_mean",
        "macro_f1_sd",
        "folds",
    ]
    assert curve["n_train"].is_monotonic_increasing and (curve["folds"] == 3).all()
    assert curve["accuracy_mean"].iloc[-1] > curve["accuracy_mean"].iloc[0]


def test_cli_cv_prints_one_json_line_and_a_stable_figure(tmp_path, capsys):
    figure = tmp_path / "cm.png"
    args = [
        "frames",
        "cv",
        str(HEADLINES),
        "--text",
        "headline",
        "--label",
        "frame",
        "--folds",
        "3",
    ]
    assert main([*args, "--confusion", str(figure)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    result = json.loads(out)
    assert {"accuracy", "macro_f1", "per_frame", "n", "folds", "seed"} <= set(result)
    first = figure.read_bytes()
    assert main([*args, "--confusion", str(figure)]) == 0
    assert json.loads(capsys.readouterr().out) == result
    assert figure.read_bytes() == first


def _write(tmp_path, rows, name="d.csv") -> str:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(
    "rows, label, message",
    [
        (None, "frame", "not found"),
        ({"text": ["a", "b"], "frame": ["x", "y"]}, "code", "available: text, frame"),
        ({"text": ["a", "b", "c"], "frame": ["x", "x", "x"]}, "frame", "only one class"),
        ({"text": ["", " "], "frame": ["x", "y"]}, "frame", "no row"),
        ({"text": list("abcdef"), "frame": list("xxxxyy")}, "frame", "fewer examples than folds"),
    ],
    ids=["missing-file", "missing-column", "one-class", "empty-texts", "too-few-per-class"],
)
def test_cli_bad_input_is_one_line(tmp_path, capsys, rows, label, message):
    path = _write(tmp_path, rows) if rows else str(tmp_path / "missing.csv")
    for action in ("cv", "train"):
        extra = ["--folds", "3"] if action == "cv" else ["--out", str(tmp_path / "m")]
        if action == "train" and message == "fewer examples than folds":
            continue
        code = main(["frames", action, path, "--text", "text", "--label", label, *extra])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_empty_texts_dropped_with_a_warning(tmp_path, capsys):
    rows = {
        "text": ["", "tax", "court", "jobs", "judge", "budget", "law"],
        "frame": list("eeleele"),
    }
    path = _write(tmp_path, rows)
    assert main(["frames", "cv", path, "--text", "text", "--label", "frame", "--folds", "2"]) == 0
    captured = capsys.readouterr()
    assert "dropped 1 row(s) with an empty 'text'" in captured.err
    assert json.loads(captured.out)["n"] == 6


def test_features_option_errors(monkeypatch):
    with pytest.raises(UsageError, match="unknown features"):
        FrameClassifier(features="bert").fit(["a", "b"], ["x", "y"])
    monkeypatch.setattr(classify, "embeddings_available", lambda: False)
    assert classify.resolve_features("auto") == "tfidf"
    with pytest.raises(UsageError, match="pip install"):
        FrameClassifier(features="tfidf+embeddings").fit(["a", "b"], ["x", "y"])


@pytest.mark.skipif(not classify.embeddings_available(), reason="needs corpuskit[embeddings]")
def test_sentence_embeddings_feature_round_trip(four_frames, tmp_path):
    texts, labels = four_frames["headline"].tolist(), four_frames["frame"].tolist()
    model = FrameClassifier(features="tfidf+embeddings").fit(texts[:150], labels[:150])
    assert model.features_ == "tfidf+embeddings"
    assert model.score(texts[150:], labels[150:]) > 0.7
    meta = model.save(tmp_path / "m.joblib")
    assert meta["features"] == "tfidf+embeddings"
    loaded = FrameClassifier.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(
        loaded.predict_proba(texts[150:]), model.predict_proba(texts[150:])
    )
