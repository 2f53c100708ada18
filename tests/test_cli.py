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
