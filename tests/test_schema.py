"""The table contract: every table of a build has its columns, and enumerated columns stay in range."""

from __future__ import annotations

from pathlib import Path

import pytest

import corpuskit
from corpuskit import schema

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus():
    return corpuskit.read(ROOT / "seeds", ROOT / "tests" / "data" / "debates_sample.csv")


def test_every_table_has_the_contract_columns(corpus):
    for name, table in corpus.tables().items():
        schema.check(name, table)
        assert list(table.columns[: len(schema.TABLES[name])]) == list(schema.TABLES[name])


def test_check_names_the_missing_columns(corpus):
    with pytest.raises(ValueError, match="speaker_id"):
        schema.check("quotes", corpus.quotes.drop(columns=["speaker_id"]))


def test_quote_and_speaker_kinds_are_from_the_contract(corpus):
    assert set(corpus.quotes["kind"]) <= set(schema.QUOTE_KINDS)
    assert {"direct", "transcript"} <= set(corpus.quotes["kind"])
    assert set(corpus.speakers["kind"]) <= set(schema.SPEAKER_KINDS)


def test_ids_are_unique(corpus):
    assert corpus.documents["doc_id"].is_unique
    assert corpus.quotes["quote_id"].is_unique
    assert corpus.speakers["speaker_id"].is_unique
    assert set(corpus.quotes["speaker_id"].dropna()) <= set(corpus.speakers["speaker_id"])
