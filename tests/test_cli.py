"""The command line: exit codes and outputs of `corpuskit build`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from corpuskit.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_build_seeds_writes_every_table_and_manifest(tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(SEEDS), "--out", str(out), "--no-progress"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [e["status"] for e in manifest["inputs"]] == ["ok"]
    for name in ("documents", "paragraphs", "sentences", "quotes", "speakers"):
        assert (out / f"{name}.parquet").is_file()
    documents = pd.read_parquet(out / "documents.parquet")
    assert documents.loc[0, "date"] == "2026-01-07"


def test_missing_input_is_a_usage_error(tmp_path, capsys):
    assert main(["build", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not found" in err


def test_nothing_built_still_names_every_skipped_input(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02")
    assert main(["build", str(tmp_path), "--out", str(tmp_path / "out"), "--no-progress"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert any("skipped" in line and "empty.txt" in line for line in err)
    assert any("skipped" in line and "blob.bin" in line for line in err)
    assert err[-1].startswith("corpuskit: error: no document")
    assert not (tmp_path / "out").exists()


def test_metadata_integers_stay_integers_in_a_mixed_corpus(tmp_path):
    import corpuskit

    corpus_dir = tmp_path / "in"
    corpus_dir.mkdir()
    (corpus_dir / "article.txt").write_text("A short article, the mayor said.\n")
    (corpus_dir / "turns.csv").write_text("speaker,text\nSMITH,We will win.\nJONES,No.\n")
    out = tmp_path / "out"
    assert main(["build", str(corpus_dir), "--out", str(out), "--no-progress"]) == 0
    streamed = pd.read_parquet(out / "documents.parquet")
    in_memory = corpuskit.read(corpus_dir).documents
    for documents in (streamed, in_memory):
        assert str(documents["row"].dtype) == "Int64"
        assert documents["row"].isna().sum() == 1
    pd.testing.assert_frame_equal(streamed, in_memory)
