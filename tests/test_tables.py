"""The documents, paragraphs and sentences tables: seed fixtures, span round-trips, Parquet,
and the real speaker-attributed corpora (a committed sample always; the full files if present)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import corpuskit
from corpuskit import schema

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "seeds"
DATA = HERE / "data"
SHARED = HERE.parent.parent / "shared" / "corpora"
DEBATES = SHARED / "presidential_debates_2016.csv.gz"
CONVENTIONS = SHARED / "political_data.json"


def build(*paths: Path) -> corpuskit.Corpus:
    return corpuskit.read(*paths, progress=False)


@pytest.fixture(scope="module")
def seed() -> corpuskit.Corpus:
    return build(SEEDS)


def fixture_frame(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Contract columns with text as plain str (nulls as ""), for the CSV fixtures."""
    out = df[columns].copy()
    for col in out.columns:
        if out[col].dtype == "string" or out[col].dtype == object:
            out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
    return out


def assert_spans_round_trip(corpus: corpuskit.Corpus) -> None:
    texts = corpus.documents.set_index("doc_id")["text"]
    for name in ("paragraphs", "sentences"):
        table = corpus.tables()[name]
        for doc_id, start, end, text in table[["doc_id", "start", "end", "text"]].itertuples(
            index=False
        ):
            assert texts[doc_id][start:end] == text, (name, doc_id, start)


def test_seed_documents_fixture(seed, dataframe_regression):
    columns = [c for c in schema.TABLES["documents"] if c != "text"]
    dataframe_regression.check(fixture_frame(seed.documents, columns))


def test_seed_paragraphs_fixture(seed, dataframe_regression):
    dataframe_regression.check(fixture_frame(seed.paragraphs, list(schema.TABLES["paragraphs"])))


def test_seed_sentences_fixture(seed, dataframe_regression):
    columns = [c for c in schema.TABLES["sentences"] if c != "sentiment"]
    dataframe_regression.check(fixture_frame(seed.sentences, columns))


def test_seed_contract(seed):
    doc = seed.documents.iloc[0]
    assert doc["date"] == "2026-01-07"
    assert doc["text"].startswith("One person is dead")
    assert len(seed.paragraphs) == 18
    heading = seed.paragraphs[seed.paragraphs.is_heading]
    assert heading.text.tolist() == ["Dramatic escalation"]
    assert not seed.sentences.text.str.contains("Dramatic escalation").any()
    assert (seed.sentences.paragraph != heading.paragraph.iloc[0]).all()


def test_seed_spans_round_trip(seed):
    assert_spans_round_trip(seed)


def test_parquet_write_read_equality(seed, tmp_path):
    seed.to_parquet(tmp_path / "out")
    again = corpuskit.Corpus.from_parquet(tmp_path / "out")
    for name, table in seed.tables().items():
        pd.testing.assert_frame_equal(again.tables()[name], table, obj=name)


def test_debates_sample_builds_with_speaker_metadata():
    corpus = build(DATA / "debates_sample.csv")
    docs = corpus.documents
    assert len(docs) == 30
    assert docs.doc_id.iloc[0] == "debates_sample/00000"
    assert set(docs.source) == {"debates_sample.csv"}
    assert {"speaker", "debate", "party", "row"} <= set(docs.columns)
    assert docs.row.tolist() == list(range(30))
    assert "TRUMP" in set(docs.speaker)
    assert (corpus.paragraphs.groupby("doc_id").size() >= 1).all()
    assert_spans_round_trip(corpus)


def test_convention_sample_builds_one_document_per_speech():
    corpus = build(DATA / "convention_sample.json")
    docs = corpus.documents
    assert docs.doc_id.tolist() == [
        "convention_sample/00000/00000",
        "convention_sample/00000/00001",
        "convention_sample/00001/00000",
    ]
    assert docs.name.tolist() == ["democrat", "democrat", "republican"]
    # transcripts: one paragraph per line, speaker turns never headings
    first = corpus.paragraphs[corpus.paragraphs.doc_id == docs.doc_id.iloc[0]]
    assert len(first) == docs.text.iloc[0].count("\n") + 1
    assert not corpus.paragraphs.is_heading.any()
    assert_spans_round_trip(corpus)


@pytest.mark.skipif(not DEBATES.exists(), reason="../shared/corpora not present")
def test_full_debates_corpus_builds():
    corpus = build(DEBATES)
    assert len(corpus.documents) == 1122
    assert corpus.manifest["inputs"][0]["status"] == "ok"
    assert set(corpus.documents.party) == {"Democratic", "Republican", "Moderator"}
    assert_spans_round_trip(corpus)


@pytest.mark.skipif(not CONVENTIONS.exists(), reason="../shared/corpora not present")
def test_full_convention_corpus_builds():
    corpus = build(CONVENTIONS)
    assert len(corpus.documents) == 189
    assert corpus.documents.name.value_counts().to_dict() == {"democrat": 123, "republican": 66}
    assert not corpus.paragraphs.is_heading.any()
    assert_spans_round_trip(corpus)
