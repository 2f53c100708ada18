"""A folder of hostile inputs mixed with good files, built through the command line."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from corpuskit.cli import main

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
SEED_TEXT = SEED.read_text(encoding="utf-8")
LOREM = "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor. "

# file -> bytes; the seed in every encoding and line ending must give the same tables
GOOD_COPIES = {
    "good/seed.txt": SEED_TEXT.encode("utf-8"),
    "enc/seed_bom.txt": SEED_TEXT.encode("utf-8-sig"),
    "enc/seed_utf16.txt": SEED_TEXT.encode("utf-16"),
    "enc/seed_utf16be.txt": b"\xfe\xff" + SEED_TEXT.encode("utf-16-be"),
    "enc/seed_cp1252.txt": SEED_TEXT.encode("cp1252"),
    "enc/crlf/seed_crlf.txt": SEED_TEXT.replace("\n", "\r\n").encode("utf-8"),
    "enc/crlf/seed_cp1252_crlf.txt": SEED_TEXT.replace("\n", "\r\n").encode("cp1252"),
    "enc/seed.txt.gz": gzip.compress(SEED_TEXT.encode("utf-8"), mtime=0),
}
SKIPPED = {
    "bad/empty.txt": (b"", "empty file"),
    "bad/blank.txt": (b" \n\t\n\r\n", "empty file"),
    "bad/image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary file"),
    "bad/notes.xyz": (b"some notes", "unsupported file type .xyz"),
    "bad/deep/er/broken.csv": (b'text,speaker\n"never closed,A\n', "malformed CSV"),
    "bad/broken.json": (b'[{"text": ', "malformed JSON"),
    "good/zz_seed_again.txt": (SEED_TEXT.encode("utf-8"), "duplicate of"),
}
OTHER_GOOD = {
    "odd/big_single_line.txt": (LOREM * (5 * 1024 * 1024 // len(LOREM) + 1))[: 5 * 1024 * 1024],
    "odd/unclosed.txt": "“This quotation never closes. The mayor kept talking.\n\nAnother one.",
    "odd/bad_date.txt": " date 2026-02-30 The lede of a story. It goes on.\n",
    "nested/a/b/c/page.md": "---\ntitle: Deep\ndate: 2026-01-08\n---\nA nested markdown file.\n",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    inputs = root / "in"
    files = {**GOOD_COPIES, **{k: v[0] for k, v in SKIPPED.items()}}
    files.update({k: v.encode("utf-8") for k, v in OTHER_GOOD.items()})
    for name, data in files.items():
        (inputs / name).parent.mkdir(parents=True, exist_ok=True)
        (inputs / name).write_bytes(data)
    out = root / "out"
    code = main(["build", str(inputs), "--out", str(out), "--no-progress"])
    yield inputs, out, code
    shutil.rmtree(root)


@pytest.fixture(scope="module")
def manifest(built):
    return json.loads((built[1] / "manifest.json").read_text(encoding="utf-8"))


def by_file(manifest: dict, inputs: Path) -> dict[str, dict]:
    return {Path(e["path"]).relative_to(inputs).as_posix(): e for e in manifest["inputs"]}


def test_build_exits_3_when_some_inputs_are_skipped(built):
    assert built[2] == 3


def test_every_file_is_in_the_manifest(built, manifest):
    inputs = built[0]
    on_disk = {p.relative_to(inputs).as_posix() for p in inputs.rglob("*") if p.is_file()}
    assert set(by_file(manifest, inputs)) == on_disk


def test_skipped_files_have_their_reasons(built, manifest):
    entries = by_file(manifest, built[0])
    for name, (_, reason) in SKIPPED.items():
        assert entries[name]["status"] == "skipped", name
        assert entries[name]["reason"].startswith(reason), (name, entries[name]["reason"])
    ok = set(GOOD_COPIES) | set(OTHER_GOOD)
    assert {n for n, e in entries.items() if e["status"] == "ok"} == ok


def test_skips_and_warnings_are_named_on_stderr_without_traceback(tmp_path, capsys):
    (tmp_path / "good.txt").write_text("A good file. It has text.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "late.txt").write_text(" date 2026-99-01 Lede.", encoding="utf-8")
    assert main(["build", str(tmp_path), "--out", str(tmp_path / "o"), "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"skipped {tmp_path / 'empty.txt'}: empty file" in err
    assert "malformed date header '2026-99-01'" in err


def test_malformed_date_keeps_document_with_empty_date_and_warning(built, manifest):
    entry = by_file(manifest, built[0])["odd/bad_date.txt"]
    assert entry["status"] == "ok" and entry["warnings"]
    docs = pd.read_parquet(built[1] / "documents.parquet").set_index("doc_id")
    assert pd.isna(docs.loc["odd/bad_date", "date"])
    assert docs.loc["odd/bad_date", "text"] == "The lede of a story. It goes on."


def test_big_line_and_unclosed_quote_are_read(built):
    docs = pd.read_parquet(built[1] / "documents.parquet").set_index("doc_id")
    assert docs.loc["odd/big_single_line", "text"] == OTHER_GOOD["odd/big_single_line.txt"].strip()
    sentences = pd.read_parquet(built[1] / "sentences.parquet")
    unclosed = sentences[sentences.doc_id == "odd/unclosed"]
    assert unclosed.text.tolist() == [
        "“This quotation never closes.",
        "The mayor kept talking.",
        "Another one.",
    ]


@pytest.mark.parametrize("table", ["documents", "paragraphs", "sentences", "quotes"])
def test_good_copies_give_identical_tables_whatever_the_encoding(built, table):
    df = pd.read_parquet(built[1] / f"{table}.parquet")
    ids = {name: Path(name).name.split(".")[0] for name in GOOD_COPIES}
    ids = {name: (str(Path(name).parent / stem)) for name, stem in ids.items()}
    # ids name the document (speaker_id too, for groups and unnamed speakers): not compared
    drop = [c for c in ("doc_id", "source", "quote_id", "speaker_id") if c in df.columns]
    reference = df[df.doc_id == ids["good/seed.txt"]].drop(columns=drop).reset_index(drop=True)
    assert len(reference) > 0 or table == "quotes"
    for name, doc_id in ids.items():
        copy = df[df.doc_id == doc_id].drop(columns=drop).reset_index(drop=True)
        pd.testing.assert_frame_equal(copy, reference, obj=f"{table} of {name}")
