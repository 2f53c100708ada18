"""Readers: one test per format and per bad-input case; encodings; discovery."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from corpuskit import readers
from corpuskit.errors import UsageError

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
SEED_TEXT = SEED.read_text(encoding="utf-8")


def read(tmp_path: Path, name: str, data: bytes | str, **kwargs):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return readers.read_file(path, tmp_path, readers.doc_prefix(path, tmp_path), **kwargs)


def only_doc(entry, docs) -> dict:
    assert entry["status"] == "ok", entry
    assert len(docs) == 1
    return docs[0]


# --- .txt -----------------------------------------------------------------------------------


def test_seed_txt_date_header_is_removed_and_stored(tmp_path):
    entry, docs = read(tmp_path, "a/seed.txt", SEED_TEXT)
    doc = only_doc(entry, docs)
    assert doc["doc_id"] == "a/seed"
    assert doc["source"] == "a/seed.txt"
    assert doc["date"] == "2026-01-07"
    assert doc["text"].startswith("One person is dead after an ICE officer")
    assert "date 2026" not in doc["text"]
    assert doc["text"] == doc["text"].strip()
    assert doc["title"] is None  # the seed starts with its lede, not a title line
    assert entry["warnings"] == []


def test_malformed_date_header_keeps_document_with_warning(tmp_path):
    entry, docs = read(tmp_path, "bad.txt", " date 2026-13-45 The lede. More text.\n")
    doc = only_doc(entry, docs)
    assert doc["date"] is None
    assert doc["text"] == "The lede. More text."
    assert (
        len(entry["warnings"]) == 1 and "malformed date header '2026-13-45'" in entry["warnings"][0]
    )


def test_txt_without_header_and_title_line(tmp_path):
    entry, docs = read(tmp_path, "t.txt", "Council votes\n\nThe council voted on Monday.\n")
    doc = only_doc(entry, docs)
    assert doc["date"] is None
    assert doc["title"] == "Council votes"
    assert doc["text"] == "Council votes\n\nThe council voted on Monday."


def test_curly_quotes_are_kept(tmp_path):
    entry, docs = read(tmp_path, "q.txt", "He said “no” and ‘yes’ — it’s fine.")
    assert only_doc(entry, docs)["text"] == "He said “no” and ‘yes’ — it’s fine."


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: t.encode("utf-8-sig"),
        lambda t: t.encode("utf-16"),  # with BOM, native order
        lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
        lambda t: t.encode("utf-16-le"),  # no BOM: told by its NUL bytes
        lambda t: t.encode("cp1252"),
        lambda t: t.replace("\n", "\r\n").encode("utf-8"),
        lambda t: t.replace("\n", "\r").encode("utf-8"),
        lambda t: t.replace("\n", "\r\n").encode("cp1252"),
        lambda t: gzip.compress(t.encode("utf-16"), mtime=0),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16",
        "utf16-be",
        "utf16-le",
        "utf16-nobom",
        "cp1252",
        "crlf",
        "cr",
        "cp1252-crlf",
        "gz",
    ],
)
def test_every_encoding_gives_the_same_text(tmp_path, encode):
    _, reference = read(tmp_path, "ref.txt", SEED_TEXT)
    data = encode(SEED_TEXT)
    name = "seed.txt.gz" if data[:2] == b"\x1f\x8b" else "seed.txt"
    entry, docs = read(tmp_path, name, data)
    doc = only_doc(entry, docs)
    assert doc["text"] == reference[0]["text"]
    assert doc["date"] == "2026-01-07"
    assert doc["doc_id"] == "seed"


def test_undecodable_bytes_are_skipped(tmp_path):
    entry, docs = read(tmp_path, "bad16.txt", b"\xff\xfe" + b"\x00\xd8a\x00")  # lone surrogate
    assert entry["status"] == "skipped" and docs == []
    assert entry["reason"].startswith("undecodable text")


# --- skip reasons ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n\t \r\n", "empty file"),
        ("bom-only.txt", b"\xef\xbb\xbf\n", "empty file"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        ("controls.txt", bytes(range(1, 9)) * 200, "binary file"),
        ("data.xyz", b"hello", "unsupported file type .xyz"),
        ("noext", b"hello", "unsupported file type (none)"),
        ("broken.csv.gz", b"\x1f\x8b\x08\x00garbage", "corrupt gzip file"),
        ("bad.json", b'[{"text": "a"', "malformed JSON"),
        ("bad.jsonl", b'{"text": "a"}\n{"text": \n', "malformed JSON on line 2"),
        ("bad.csv", b'text,speaker\n"unclosed,A\n', "malformed CSV"),
        ("ragged.csv", b"text,speaker\nhello,A\nx,y,z,w\n", "malformed CSV"),
        ("header.csv", b"text,speaker\n", "no rows (header only)"),
        ("numbers.json", b"42", "unsupported JSON"),
        ("no-text.json", b'[{"a": 1}, {"a": 2}]', "no text field"),
        ("empty-texts.csv", b"text,speaker\n,A\n  ,B\n", "no text"),
        ("empty.html", b"<html><body></body></html>", "no main text found in HTML"),
        ("front-only.md", b"---\ntitle: T\n---\n\n", "no text"),
        ("header-only.txt", b" date 2026-01-07 \n\n", "no text after the date header"),
    ],
)
def test_bad_input_is_skipped_with_one_line_reason(tmp_path, name, data, reason):
    entry, docs = read(tmp_path, name, data)
    assert docs == []
    assert entry["status"] == "skipped"
    assert entry["reason"].startswith(reason), entry["reason"]
    assert "\n" not in entry["reason"]


def test_missing_file_is_skipped_not_raised(tmp_path):
    path = tmp_path / "gone.txt"
    entry, docs = readers.read_file(path, tmp_path, "gone")
    assert entry["status"] == "skipped" and entry["reason"].startswith("unreadable file")


def test_five_megabyte_single_line(tmp_path):
    sentence = "The council met on Monday and nothing happened, officials said. "
    line = (sentence * (5 * 1024 * 1024 // len(sentence) + 1))[: 5 * 1024 * 1024]
    entry, docs = read(tmp_path, "big.txt", line)
    assert len(only_doc(entry, docs)["text"]) == len(line.strip())


def test_unclosed_quotation_mark_reads(tmp_path):
    entry, docs = read(tmp_path, "q.txt", "“This quote never closes. It goes on.\n\nNext.")
    assert only_doc(entry, docs)["text"].startswith("“This quote")


# --- .md ------------------------------------------------------------------------------------


def test_markdown_front_matter(tmp_path):
    text = "---\ntitle: A day\ndate: 2024-05-01\noutlet: Example\ntags: [a, b]\n---\n\nBody text.\n"
    entry, docs = read(tmp_path, "a.md", text)
    doc = only_doc(entry, docs)
    assert (doc["title"], doc["date"], doc["text"]) == ("A day", "2024-05-01", "Body text.")
    assert doc["meta"] == {"outlet": "Example", "tags": '["a", "b"]'}


def test_markdown_without_front_matter_takes_title_from_first_heading(tmp_path):
    entry, docs = read(tmp_path, "b.md", "# The headline\n\nBody text.")
    assert only_doc(entry, docs)["title"] == "The headline"


def test_markdown_malformed_front_matter_warns(tmp_path):
    entry, docs = read(tmp_path, "c.md", "---\ntitle: [unclosed\n---\nBody.")
    doc = only_doc(entry, docs)
    assert doc["text"] == "Body."
    assert entry["warnings"][0].startswith("malformed YAML front matter ignored")


# --- .html ----------------------------------------------------------------------------------

HTML = """<html><head><title>Shooting in Minneapolis | News</title>
<meta name="date" content="2026-01-07"></head><body><nav>Home | World | Sport</nav>
<article><h1>Shooting in Minneapolis</h1>
<p>One person is dead after an ICE officer shot a woman in her vehicle on Wednesday.</p>
<h2>Dramatic escalation</h2>
<p>“They’re ripping families apart,” Frey said at a news conference in the city.</p>
</article><footer>Copyright 2026</footer></body></html>"""


def test_html_main_text_title_and_date(tmp_path):
    entry, docs = read(tmp_path, "page.html", HTML)
    doc = only_doc(entry, docs)
    assert doc["title"] == "Shooting in Minneapolis"
    assert doc["date"] == "2026-01-07"
    paragraphs = doc["text"].split("\n\n")
    assert "Dramatic escalation" in paragraphs
    assert (
        "“They’re ripping families apart,” Frey said at a news conference in the city."
        in paragraphs
    )
    assert "Copyright" not in doc["text"] and "Home | World" not in doc["text"]


# --- .csv / .tsv ----------------------------------------------------------------------------


def test_csv_text_column_and_metadata(tmp_path):
    data = (
        "speaker,statement,party,date,row\n"
        "KAINE,Hello there.,Democratic,2016-10-04,7\n"
        "PENCE,Thanks.,Republican,Oct 4,8\n"
    )
    entry, docs = read(tmp_path, "d/debate.csv", data)
    assert entry["status"] == "ok"
    assert [d["doc_id"] for d in docs] == ["d/debate/00000", "d/debate/00001"]
    assert {d["source"] for d in docs} == {"d/debate.csv"}
    assert docs[0]["text"] == "Hello there."
    assert docs[0]["meta"] == {"speaker": "KAINE", "party": "Democratic", "meta_row": "7", "row": 0}
    assert [d["date"] for d in docs] == ["2016-10-04", "Oct 4"]
    assert any("not in YYYY-MM-DD form" in w for w in entry["warnings"])


@pytest.mark.parametrize(
    "header, chosen",
    [
        ("id,Text,body", "Text"),  # `text` first, any case
        ("id,statement,content", "statement"),
        ("id,content,notes", "content"),
        ("id,notes,summary", "notes"),  # no known name: the longest column
    ],
)
def test_csv_text_column_choice(tmp_path, header, chosen):
    cols = header.split(",")
    values = {"id": "1", "notes": "a long note about the thing", "summary": "short"}
    row = ",".join(values.get(c, f"value of {c}") for c in cols)
    entry, docs = read(tmp_path, "x.csv", f"{header}\n{row}\n")
    doc = only_doc(entry, docs)
    assert doc["text"] == values.get(chosen, f"value of {chosen}")
    assert chosen not in doc["meta"]
    fallback = [w for w in entry["warnings"] if w.startswith("no column named like text")]
    assert bool(fallback) == (chosen == "notes")


def test_csv_text_column_override_and_missing(tmp_path):
    entry, docs = read(tmp_path, "x.csv", "text,notes\na,b\n", text_column="notes")
    assert only_doc(entry, docs)["text"] == "b"
    entry, _ = read(tmp_path, "y.csv", "text,notes\na,b\n", text_column="nope")
    assert entry["status"] == "skipped" and entry["reason"].startswith("no column 'nope'")


def test_csv_empty_text_rows_are_skipped_with_warning_keeping_row_ids(tmp_path):
    entry, docs = read(tmp_path, "x.csv", "text,speaker\nfirst,A\n,B\nthird,C\n")
    assert [d["doc_id"] for d in docs] == ["x/00000", "x/00002"]
    assert entry["warnings"] == ["1 record(s) with empty text skipped (rows 1)"]


def test_tsv_and_semicolon_csv(tmp_path):
    entry, docs = read(tmp_path, "x.tsv", "speaker\ttext\nA\tHello, world.\n")
    assert only_doc(entry, docs)["meta"]["speaker"] == "A"
    entry, docs = read(tmp_path, "y.csv", "speaker;text\nA;Hello, world.\n")
    assert only_doc(entry, docs)["text"] == "Hello, world."


def test_csv_gz_multiline_cells(tmp_path):
    data = 'speaker,statement\nQUIJANO,"Good evening.\nWelcome.\n"\n'
    entry, docs = read(tmp_path, "deb.csv.gz", gzip.compress(data.encode(), mtime=0))
    doc = only_doc(entry, docs)
    assert doc["doc_id"] == "deb/00000"
    assert doc["text"] == "Good evening.\nWelcome."
    assert doc["source"] == "deb.csv.gz"


# --- .json / .jsonl -------------------------------------------------------------------------


def test_jsonl_records(tmp_path):
    lines = [
        {"text": "First.", "speaker": "A", "n": 3, "ok": True, "date": "2020-01-02T10:00:00"},
        {"content": "ignored", "text": "Second.", "speaker": None},
    ]
    data = "\n".join(json.dumps(r) for r in lines) + "\n\n"
    entry, docs = read(tmp_path, "r.jsonl", data)
    assert [d["text"] for d in docs] == ["First.", "Second."]
    assert docs[0]["meta"] == {"speaker": "A", "n": "3", "ok": "true", "row": 0}
    assert docs[0]["date"] == "2020-01-02"
    assert docs[1]["meta"] == {"content": "ignored", "speaker": None, "row": 1}


def test_json_records_holding_a_list_of_texts(tmp_path):
    data = [
        {"name": "democrat", "speeches": ["A: one.", "B: two."]},
        {"name": "republican", "speeches": ["C: three."]},
    ]
    entry, docs = read(tmp_path, "conv.json", json.dumps(data))
    assert [d["doc_id"] for d in docs] == [
        "conv/00000/00000",
        "conv/00000/00001",
        "conv/00001/00000",
    ]
    assert [d["meta"] for d in docs] == [
        {"name": "democrat", "row": 0, "item": 0},
        {"name": "democrat", "row": 0, "item": 1},
        {"name": "republican", "row": 1, "item": 0},
    ]


def test_json_shapes(tmp_path):
    entry, docs = read(tmp_path, "a.json", json.dumps(["One.", "Two."]))
    assert [d["doc_id"] for d in docs] == ["a/00000", "a/00001"]
    entry, docs = read(tmp_path, "b.json", json.dumps({"data": [{"body": "X."}, {"body": "Y."}]}))
    assert [d["text"] for d in docs] == ["X.", "Y."]
    wrapped = {"outlet": "Wire", "items": [{"body": "X.", "outlet": "Own"}, {"body": "Y."}]}
    entry, docs = read(tmp_path, "w.json", json.dumps(wrapped))
    assert [(d["text"], d["meta"]["outlet"]) for d in docs] == [("X.", "Own"), ("Y.", "Wire")]
    entry, docs = read(tmp_path, "c.json", json.dumps({"title": "T", "text": "Only."}))
    assert only_doc(entry, docs)["title"] == "T"
    entry, docs = read(tmp_path, "d.json.gz", gzip.compress(b'[{"text": "Z."}]', mtime=0))
    assert only_doc(entry, docs)["doc_id"] == "d/00000"


# --- discovery ------------------------------------------------------------------------------


def test_discover_folders_globs_and_hidden_files(tmp_path):
    for name in ("a.txt", "sub/b.csv", "sub/deep/c.txt", ".hidden/d.txt", "sub/.e.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = readers.discover([str(tmp_path)])
    assert [f[0].relative_to(tmp_path).as_posix() for f in found] == [
        "a.txt",
        "sub/b.csv",
        "sub/deep/c.txt",
    ]
    globbed = readers.discover([str(tmp_path / "sub" / "**" / "*.txt")])
    assert [(f[0].name, f[1]) for f in globbed] == [("c.txt", tmp_path / "sub")]
    assert readers.doc_prefix(tmp_path / "sub/deep/c.txt", tmp_path / "sub") == "deep/c"
    assert readers.doc_prefix(tmp_path / "x.csv.gz", tmp_path) == "x"
    with pytest.raises(UsageError, match="input not found"):
        readers.discover([str(tmp_path / "missing")])
    with pytest.raises(UsageError, match="no file matches"):
        readers.discover([str(tmp_path / "*.nothing")])


def test_txt_paragraphs_kept_for_the_pipeline_are_those_of_the_stored_text(tmp_path):
    from corpuskit import segment

    path = tmp_path / "story.txt"
    path.write_text(" date 2026-01-07\n\nA Title\n\nFirst paragraph.\n\n\nSecond one.\n", "utf-8")
    entry, docs = readers.read_file(path, tmp_path, "story")
    assert entry["status"] == "ok"
    (doc,) = docs
    assert doc[readers.PARAGRAPHS_KEY] == segment.paragraphs(doc["text"])
    assert doc["title"] == "A Title"
