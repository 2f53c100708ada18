"""Corpus-level assembly of a streaming build: the two-pass path writes the bytes of the
in-memory path, whatever the batch size, and hands over to it when it cannot."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from corpuskit import assembly, engine, schema
from corpuskit.cli import main
from corpuskit.corpus import read

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """30 generated articles plus the seeds."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    folder = tmp_path_factory.mktemp("inputs")
    generate.generate(folder / "generated", 30, per_folder=10)
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    return folder


@pytest.fixture(scope="module")
def in_memory(inputs, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("memory") / "out"
    read(inputs, progress=False).to_parquet(out)
    return table_bytes(out)


def table_bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / f"{name}.parquet").read_bytes() for name in schema.TABLE_NAMES}


def build(inputs: Path, out: Path, *options: str) -> int:
    return main(["build", str(inputs), "--out", str(out), "--no-progress", *options])


def spy_on_assemble(monkeypatch) -> list:
    """What each call of `assembly.two_passes` returned (None: it handed over)."""
    returned = []
    two_passes = assembly.two_passes

    def spy(*args, **kwargs):
        returned.append(two_passes(*args, **kwargs))
        return returned[-1]

    monkeypatch.setattr(assembly, "two_passes", spy)
    return returned


@pytest.mark.parametrize("batch", [1, 7, 50_000])
def test_two_passes_write_the_bytes_of_the_in_memory_path(
    inputs, in_memory, tmp_path, monkeypatch, batch
):
    monkeypatch.setattr(assembly, "BATCH_QUOTES", batch)
    returned = spy_on_assemble(monkeypatch)
    assert build(inputs, tmp_path / "out", "--jobs", "1", "--chunk-size", "4") == 0
    assert returned and returned[0] is not None  # the two-pass path did the work
    assert returned[0]["quotes"] > 500 and returned[0]["frame_evidence"] > 100
    assert table_bytes(tmp_path / "out") == in_memory
    assert not list((tmp_path / "out").glob("*.spill"))  # both spill files are gone


def test_speaker_features_scored_a_row_group_at_a_time_are_the_in_memory_bytes(
    inputs, tmp_path, monkeypatch
):
    from corpuskit import corpus

    rows = {**corpus.ROW_GROUP_ROWS, "speaker_features": 7}  # many chunks of speakers
    monkeypatch.setattr(corpus, "ROW_GROUP_ROWS", rows)
    read(inputs, progress=False).to_parquet(tmp_path / "memory")
    returned = spy_on_assemble(monkeypatch)
    assert build(inputs, tmp_path / "out", "--jobs", "1") == 0
    assert returned and returned[0]["speaker_features"] > 3 * 7
    assert table_bytes(tmp_path / "out") == table_bytes(tmp_path / "memory")


def test_handing_over_to_the_in_memory_path_gives_the_same_bytes(
    inputs, in_memory, tmp_path, monkeypatch
):
    monkeypatch.setattr(assembly, "two_passes", lambda *args, **kwargs: None)
    assert build(inputs, tmp_path / "out", "--jobs", "1") == 0
    assert table_bytes(tmp_path / "out") == in_memory
    assert not list((tmp_path / "out").glob("*.spill"))


def blob(doc_id: str, quotes: list[dict], evidence: list[dict] = ()) -> bytes:
    """One file's spilled small tables, as a worker packs them."""
    return pickle.dumps(
        {
            "quotes": engine.to_ipc(engine._rows_to_arrow(quotes)),
            "frame_evidence": engine.to_ipc(engine._rows_to_arrow(list(evidence))),
            "entities": engine.to_ipc(pa.table({})),
            "documents": [{"doc_id": doc_id, "source": f"{doc_id}.txt", "n_words": 3}],
        }
    )


def quote(doc_id: str, i: int, **extra) -> dict:
    return {
        "doc_id": doc_id,
        "quote_id": f"{doc_id}#q{i}",
        "speaker": "Jacob Frey",
        "n_words": 4,
        "sentiment": 0.5,
        "cue": "said",
        "paragraph": 0,
        "kind": "direct",
        "text": "We will not stand for it.",
        "start": 0,
        "end": 25,
    } | extra


def test_first_pass_keeps_slim_columns_and_evidence_as_quote_positions(tmp_path):
    evidence = [
        {"quote_id": "b#q1", "frame": "reckless", "rejected": False},
        {"quote_id": "b#q9", "frame": "reckless", "rejected": True},  # no such quote
    ]
    lean = assembly.first_pass(
        [
            blob("a", [quote("a", 0), quote("a", 1)]),
            blob("b", [quote("b", 0), quote("b", 1)], evidence),
        ],
        engine.Spill(tmp_path / "batches"),
    )
    assert lean.why is None
    quotes = assembly.slim_quotes(lean)
    assert list(quotes.columns) == ["doc_id", "speaker", "n_words", "sentiment", "cue"]
    assert quotes["doc_id"].tolist() == ["a", "a", "b", "b"]
    rows = assembly.evidence_frame(lean)
    assert rows["quote_row"].tolist() == [3, -1]
    assert rows["rejected"].tolist() == [False, True]
    assert rows["frame"].tolist() == ["reckless", "reckless"]
    assert isinstance(rows["frame"].dtype, pd.CategoricalDtype)  # a code per row, not a string
    assert list(lean.documents[0]) == ["doc_id"]  # what speakers need of documents, no more


@pytest.mark.parametrize(
    ("blobs", "why"),
    [
        ([blob("a", [quote("a", 0)]), blob("a", [quote("a", 1)])], "document ids that repeat"),
        ([blob("a", [quote("a", 0), quote("a", 0)])], "quote ids that repeat"),
        ([blob("a", [quote("a", 0, score=1)])], "quotes with extra columns that are not text"),
        ([blob("a", [quote("a", 0, sentiment=None)])], "quotes without a word count or a score"),
        ([blob("a", [])], "no quotes"),
    ],
)
def test_first_pass_says_why_a_corpus_needs_the_in_memory_path(blobs, why, tmp_path):
    assert assembly.first_pass(blobs, engine.Spill(tmp_path / "batches")).why == why


def test_quote_positions_are_offset_and_missing_quotes_are_minus_one():
    quotes = pa.table({"quote_id": ["x#q0", "x#q1"]})
    evidence = pa.table({"quote_id": ["x#q1", "y#q0", "x#q0"]})
    assert assembly.quote_positions(quotes, evidence, 10).tolist() == [11, -1, 10]
    assert np.array_equal(assembly.quote_positions(None, evidence, 10), [-1, -1, -1])


def test_entities_that_came_as_rows_are_assembled(tmp_path):
    """A file whose entities Arrow could not take sends them as rows; the two-pass path still
    resolves its speakers from them."""
    from corpuskit.pipeline import Settings

    frey = {"doc_id": "b", "speaker": "Jacob Frey", "kind": "person", "aliases": ["Frey"]}
    odd = {"doc_id": "b", "speaker": "Frey", "note": 1}  # other keys: Arrow takes neither
    blobs = [blob("a", [quote("a", 0)]), blob("b", [quote("b", 0)])]
    parts = pickle.loads(blobs[1])
    parts["entities"] = [frey, odd]
    spill = engine.Spill(tmp_path / ".small.spill")
    for data in (blobs[0], pickle.dumps(parts)):
        spill.append(data)
    sizes = assembly.assemble(tmp_path, spill, False, Settings(progress=False))
    assert sizes == {"speakers": 1, "quotes": 2, "frame_evidence": 0, "speaker_features": 1}
    speakers = pd.read_parquet(tmp_path / "speakers.parquet")
    assert speakers["speaker_id"].tolist() == ["jacob-frey"]
    assert speakers["n_quotes"].tolist() == [2]
