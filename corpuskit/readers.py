"""Stage 1, read (`readers`): find input files and turn each into documents (text + metadata).

One reader per format (.txt, .md, .html, .json, .jsonl, .csv, .tsv, each optionally .gz); the
bytes are decoded once, with the encoding detected, line endings and BOMs normalised. A file
that cannot be read is skipped with a one-line reason, never raised. Rules: docs/inputs.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import glob
import gzip
import io
import json
import re
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

from corpuskit.errors import UsageError

# Preferred text columns/fields of tabular and JSON records, in order (matched case-insensitively).
TEXT_COLUMNS = (
    "text",
    "statement",
    "body",
    "content",
    "full_text",
    "speech",
    "transcript",
    "article",
    "message",
    "document",
)
# Metadata names that clash with a documents column get a prefix ("source" -> "meta_source").
RESERVED = ("doc_id", "source", "text", "n_words", "sha256", "row", "item")
CLASH_PREFIX = "meta_"
# Document key of paragraphs a reader already segmented (.txt, to find the title), so the
# pipeline need not segment the text again. Private: never written to a table or the manifest.
PARAGRAPHS_KEY = "_paragraphs"

DATE_HEADER_RE = re.compile(r"[ \t]*date[ \t]+(\S*\d\S*)[ \t]*")  # " date 2026-01-07 "
FRONT_MATTER_RE = re.compile(r"---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
MAX_DECOMPRESSED = 1 << 30  # 1 GiB: larger .gz inputs are skipped, not read into memory
MAX_LISTED = 5  # row numbers quoted in one warning


class Skip(Exception):
    """Raised inside a reader to skip the file; the message is the manifest reason."""


# --- finding files -----------------------------------------------------------------------------


def discover(inputs: list[str]) -> list[tuple[Path, Path, str]]:
    """Files under `inputs` (files, folders searched recursively, or globs) as (path, root, shown).

    `root` is what `source` is relative to: a file's folder, the folder given, or the part of a
    glob before its first wildcard. `shown` is the path as the manifest names it. Hidden files
    and folders (starting with '.') inside folders or glob matches are not read.
    """
    found: dict[str, tuple[Path, Path, str]] = {}
    for raw in inputs:
        p = Path(raw)
        if p.is_file():
            found.setdefault(str(p), (p, p.parent, str(p)))
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if f.is_file() and not _hidden(rel.parts):
                    found.setdefault(str(f), (f, p, str(f)))
        elif glob.has_magic(raw):
            base = _glob_root(raw)
            matches = [Path(m) for m in sorted(glob.glob(raw, recursive=True))]
            if not any(f.is_file() for f in matches):
                raise UsageError(f"input not found: no file matches {raw}")
            for f in matches:
                rel = f.relative_to(base) if f.is_relative_to(base) else Path(f.name)
                if f.is_file() and not _hidden(rel.parts):
                    found.setdefault(str(f), (f, base, str(f)))
        else:
            raise UsageError(f"input not found: {raw}")
    return [found[k] for k in sorted(found)]


def _hidden(parts: Iterable[str]) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in parts)


def _glob_root(pattern: str) -> Path:
    """The folder part of `pattern` before its first wildcard ("data/**/*.csv" -> "data")."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def doc_prefix(path: Path, root: Path) -> str:
    """Readable, stable document id stem: the path relative to its root, without extension(s)."""
    rel = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
    if rel.suffix.lower() == ".gz":
        rel = rel.with_suffix("")
    return rel.with_suffix("").as_posix()


# --- bytes to text -----------------------------------------------------------------------------


def decode(raw: bytes) -> str:
    """Text of `raw`: BOM-marked UTF-8/16/32, else UTF-8, else the detected encoding.

    Raises Skip for binary or undecodable bytes. Line endings become \\n, BOMs are dropped.
    """
    text = _decode_bytes(raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if "\x00" in text or len(CONTROL_RE.findall(text[:65536])) > 0.01 * min(len(text), 65536):
        raise Skip("binary file")
    return text


def _decode_bytes(raw: bytes) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise Skip(f"undecodable text: invalid {encoding.upper()} ({exc.reason})") from None
    if b"\x00" in raw:
        utf16 = _bomless_utf16(raw)
        if utf16 is None:
            raise Skip("binary file")
        return utf16
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _detected(raw)


def _bomless_utf16(raw: bytes) -> str | None:
    """UTF-16 text without a BOM (every other byte NUL in ASCII-heavy text), else None."""
    sample = raw[:4096]
    if len(raw) % 2 or len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    encoding = "utf-16-le" if odd > 0.6 * half and even == 0 else None
    encoding = "utf-16-be" if even > 0.6 * half and odd == 0 else encoding
    if encoding is None:
        return None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _detected(raw: bytes) -> str:
    """Decode legacy-encoded bytes with charset-normalizer, preferring cp1252 when it fits.

    charset-normalizer often ranks a DOS code page above cp1252 for English with curly quotes;
    cp1252 is the usual legacy encoding of Western text, so it wins among near-equal guesses.
    """
    from charset_normalizer import from_bytes

    matches = from_bytes(raw)
    best = matches.best()
    if best is None:
        raise Skip("undecodable text: no character encoding fits")
    for match in matches:
        if "cp1252" in match.could_be_from_charset and match.chaos <= best.chaos + 0.1:
            try:
                return raw.decode("cp1252")
            except UnicodeDecodeError:
                break
    return str(best)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped for `.gz` names."""
    raw = path.read_bytes()
    if path.suffix.lower() != ".gz":
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
            data = fh.read(MAX_DECOMPRESSED + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise Skip(f"corrupt gzip file: {_one_line(exc)}") from None
    if len(data) > MAX_DECOMPRESSED:
        raise Skip("gzip file too large (over 1 GiB uncompressed)")
    return data


# --- small helpers ---------------------------------------------------------------------------


def _one_line(exc: BaseException | str) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


def normalise_date(value) -> tuple[str | None, bool]:
    """(date string, is ISO): `YYYY-MM-DD` when the value starts with a valid ISO date."""
    if value is None:
        return None, True
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10], True
    text = str(value).strip()
    if not text:
        return None, True
    try:
        return dt.date.fromisoformat(text[:10]).isoformat(), True
    except ValueError:
        return text, False


def meta_value(value) -> str | None:
    """A metadata value as a string (numbers, booleans, lists and objects as JSON), or None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _listed(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:MAX_LISTED])
    return shown + (", ..." if len(rows) > MAX_LISTED else "")


class Documents:
    """Collects the documents of one file with their ids, metadata and warnings."""

    def __init__(self, prefix: str, source: str):
        self.prefix, self.source = prefix, source
        self.docs: list[dict] = []
        self.warnings: list[str] = []
        self.empty_rows: list[int] = []
        self.odd_dates: list[str] = []

    def add(
        self,
        doc_id: str,
        text: str,
        fields: dict,
        row: int | None = None,
        paragraphs: list | None = None,
        **extra,
    ) -> None:
        """Add one document from record `fields` (date/title become document fields).

        `paragraphs`, segment.paragraphs(text) when the reader has them, are kept for reuse.
        """
        raw, text = text, text.replace("\r\n", "\n").replace("\r", "\n").strip()
        if not text:
            if row is not None:
                self.empty_rows.append(row)
            return
        doc = {"doc_id": doc_id, "source": self.source, "date": None, "title": None, "meta": {}}
        for key, value in fields.items():
            name = str(key).strip()
            low = name.lower()
            if low == "date":
                doc["date"], iso = normalise_date(value)
                if not iso:
                    self.odd_dates.append(doc["date"])
            elif low == "title":
                doc["title"] = meta_value(value)
            else:
                name = low if low == "speaker" else name
                name = CLASH_PREFIX + name if name.lower() in RESERVED else name
                doc["meta"][name] = meta_value(value)
        if row is not None:
            doc["meta"]["row"] = row
        doc["meta"].update(extra)
        doc["text"] = text
        if paragraphs is not None and text == raw:  # offsets still fit the text
            doc[PARAGRAPHS_KEY] = paragraphs
        self.docs.append(doc)

    def finish(self) -> list[dict]:
        """The documents, after turning per-row oddities into one warning each."""
        if self.empty_rows:
            self.warnings.append(
                f"{len(self.empty_rows)} record(s) with empty text skipped "
                f"(rows {_listed(self.empty_rows)})"
            )
        if self.odd_dates:
            self.warnings.append(
                f"{len(self.odd_dates)} date(s) not in YYYY-MM-DD form kept as written "
                f"(e.g. {self.odd_dates[0]!r})"
            )
        if not self.docs:
            raise Skip("no text: every record's text is empty" if self.empty_rows else "no text")
        return self.docs


# --- column choice -----------------------------------------------------------------------------


def text_column(columns: list[str], lengths: dict[str, int], wanted: str | None = None) -> str:
    """The text column: `wanted`, else the first of TEXT_COLUMNS, else the longest string column.

    `lengths` maps each string column to its total characters. Raises Skip when none fits.
    """
    by_lower = {}
    for c in columns:
        by_lower.setdefault(str(c).strip().lower(), c)
    if wanted is not None:
        if wanted.lower() not in by_lower:
            raise Skip(f"no column {wanted!r} (columns: {', '.join(map(str, columns))})")
        return by_lower[wanted.lower()]
    for name in TEXT_COLUMNS:
        if name in by_lower and lengths.get(by_lower[name], 0) > 0:
            return by_lower[name]
    candidates = [c for c in columns if lengths.get(c, 0) > 0 and str(c).lower() not in RESERVED]
    if not candidates:
        raise Skip("no text column (no column holds text)")
    return max(candidates, key=lambda c: (lengths[c], -columns.index(c)))


# --- one reader per format ---------------------------------------------------------------------


def read_txt(text: str, docs: Documents, name: str, **options) -> None:
    """Seed format: optional ` date YYYY-MM-DD ` header before the lede; title = heading line."""
    fields: dict = {}
    header = DATE_HEADER_RE.match(text)
    if header:
        value = header.group(1)
        date, iso = normalise_date(value)
        if iso and len(value) == 10:
            fields["date"] = date
        else:
            docs.warnings.append(f"malformed date header {value!r}: date left empty")
        text = text[header.end() :]
        if not text.strip():
            raise Skip("no text after the date header")
    from corpuskit import segment

    text = text.strip()
    paras = segment.paragraphs(text)
    fields["title"] = _heading_title(text, paras)
    docs.add(docs.prefix, text, fields, paragraphs=paras)


def _heading_title(text: str, paras: list) -> str | None:
    """The first paragraph when it is a heading (a title line), else None."""
    if paras and paras[0][2]:
        return text[paras[0][0] : paras[0][1]]
    return None


def read_md(text: str, docs: Documents, name: str, **options) -> None:
    """Markdown with optional YAML front matter (title, date, other keys -> meta)."""
    import yaml

    fields: dict = {}
    m = FRONT_MATTER_RE.match(text)
    if m:
        try:
            front = yaml.safe_load(m.group(1))
        except yaml.YAMLError as exc:
            front = None
            docs.warnings.append(f"malformed YAML front matter ignored: {_one_line(exc)}")
        if isinstance(front, dict):
            fields = front
        elif front is not None:
            docs.warnings.append("front matter is not a mapping: ignored")
        text = text[m.end() :]
    if not any(str(k).lower() == "title" for k in fields):
        heading = re.search(r"^#[ \t]+(.+?)[ \t#]*$", text, re.MULTILINE)
        fields = {**fields, "title": heading.group(1) if heading else None}
    docs.add(docs.prefix, text, fields)


def read_html(text: str, docs: Documents, name: str, **options) -> None:
    """Main text of an HTML page (trafilatura); one paragraph per extracted block."""
    import trafilatura

    body = trafilatura.extract(
        text, include_comments=False, include_tables=False, favor_recall=True, deduplicate=False
    )
    if not body or not body.strip():
        body = trafilatura.html2txt(text)
    if not body or not body.strip():
        raise Skip("no main text found in HTML")
    meta = trafilatura.extract_metadata(text)
    fields = {"title": meta.title, "date": meta.date} if meta is not None else {}
    docs.add(docs.prefix, re.sub(r"\n+", "\n\n", body), fields)


def read_csv(text: str, docs: Documents, name: str, sep: str | None = None, **options) -> None:
    """A table with a text column; every other column is metadata (one document per row)."""
    import pandas as pd

    sep = sep or _sniff_separator(text)
    try:
        table = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, engine="c"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        raise Skip(f"malformed CSV: {_one_line(exc)}") from None
    if table.empty:
        raise Skip("no rows (header only)")
    columns = [str(c) for c in table.columns]
    table.columns = columns
    lengths = {c: int(table[c].str.len().sum()) for c in columns}
    column = text_column(columns, lengths, options.get("text_column"))
    _note_fallback(docs, column, options.get("text_column"))
    others = [c for c in columns if c != column]
    for row, (body, *values) in enumerate(
        table[[column, *others]].itertuples(index=False, name=None)
    ):
        docs.add(f"{docs.prefix}/{row:05d}", body, dict(zip(others, values, strict=True)), row)


def _note_fallback(docs: Documents, column: str, wanted: str | None) -> None:
    """Warn when the text column was chosen by length, not by a known name."""
    low = str(column).strip().lower()
    known = {n + end for n in TEXT_COLUMNS for end in ("", "s", "es")}
    if wanted is None and low not in known:
        docs.warnings.append(f"no column named like text: using {column!r}, the longest")


def _sniff_separator(text: str) -> str:
    """The delimiter of a .csv: comma unless the header line clearly uses ; | or tab."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > counts[","] else ","


def read_tsv(text: str, docs: Documents, name: str, **options) -> None:
    """A tab-separated table (see read_csv)."""
    read_csv(text, docs, name, sep="\t", **options)


def read_jsonl(text: str, docs: Documents, name: str, **options) -> None:
    """One JSON record (object or string) per non-blank line."""
    records = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise Skip(f"malformed JSON on line {lineno}: {exc.msg}") from None
    _read_records(records, docs, options.get("text_column"))


def read_json(text: str, docs: Documents, name: str, **options) -> None:
    """A JSON list of records, an object holding one such list, or a single record."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Skip(f"malformed JSON: {exc.msg} (line {exc.lineno})") from None
    if isinstance(data, dict):
        data = _unwrap(data)
    if not isinstance(data, list):
        raise Skip("unsupported JSON: expected a list of records or an object")
    _read_records(data, docs, options.get("text_column"))


def _unwrap(data: dict) -> list:
    """The records of a JSON object: its one list of records (the object's scalar fields added
    to each record), or the object itself as one record when it has a named text field."""
    lists = [k for k, v in data.items() if isinstance(v, list) and v and _all_dicts(v)]
    named_text = any(str(k).lower() in TEXT_COLUMNS and isinstance(v, str) for k, v in data.items())
    if len(lists) != 1 or named_text:
        return [data]
    shared = {k: v for k, v in data.items() if not isinstance(v, list | dict)}
    return [{**shared, **record} for record in data[lists[0]]]


def _all_dicts(values: list) -> bool:
    return all(isinstance(v, dict) for v in values)


def _read_records(records: list, docs: Documents, wanted: str | None) -> None:
    """Documents from JSON records: a text field per record, or each string of a list field."""
    if not records:
        raise Skip("no records")
    if all(isinstance(r, str) for r in records):
        for row, body in enumerate(records):
            docs.add(f"{docs.prefix}/{row:05d}", body, {}, row)
        return
    if not _all_dicts(records):
        raise Skip("unsupported JSON records: expected objects or strings")
    keys: list[str] = []
    str_len: dict[str, int] = {}
    list_len: dict[str, int] = {}
    for record in records:
        for key, value in record.items():
            if key not in str_len:
                keys.append(key)
                str_len[key], list_len[key] = 0, 0
            if isinstance(value, str):
                str_len[key] += len(value)
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                list_len[key] += sum(len(v) for v in value)
    field, is_list = record_text_field(keys, str_len, list_len, wanted)
    _note_fallback(docs, field, wanted)
    for row, record in enumerate(records):
        fields = {k: v for k, v in record.items() if k != field}
        value = record.get(field)
        if is_list:
            items = value if isinstance(value, list) else []
            if not items:
                docs.empty_rows.append(row)
            for item, body in enumerate(items):
                body = body if isinstance(body, str) else ""
                docs.add(f"{docs.prefix}/{row:05d}/{item:05d}", body, fields, row, item=item)
        else:
            docs.add(
                f"{docs.prefix}/{row:05d}", value if isinstance(value, str) else "", fields, row
            )


def record_text_field(
    keys: list[str], str_len: dict[str, int], list_len: dict[str, int], wanted: str | None
) -> tuple[str, bool]:
    """(field, holds a list of texts) of JSON records.

    A string field named in TEXT_COLUMNS wins, then a list-of-strings field so named (plural
    allowed: "texts", "speeches"), then whichever string or list-of-strings field holds the most
    characters (so {"name": ..., "speeches": [...]} gives one document per speech).
    """
    if wanted is not None:
        field = text_column(keys, {**str_len, **list_len}, wanted)
        return field, list_len.get(field, 0) > str_len.get(field, 0)
    lower = {k: str(k).strip().lower() for k in keys}
    for name in TEXT_COLUMNS:
        for key in keys:
            if lower[key] == name and str_len[key] > 0:
                return key, False
    for name in TEXT_COLUMNS:
        for key in keys:
            if list_len[key] > 0 and lower[key] in (name, name + "s", name + "es"):
                return key, True
    sizes = [(max(str_len[k], list_len[k]), -i, k) for i, k in enumerate(keys)]
    sizes = [s for s in sizes if s[0] > 0 and lower[s[2]] not in RESERVED]
    if not sizes:
        raise Skip("no text field (no field holds text)")
    key = max(sizes)[2]
    return key, list_len[key] > str_len[key]


READERS: dict[str, Callable[..., None]] = {
    ".txt": read_txt,
    ".text": read_txt,
    ".md": read_md,
    ".markdown": read_md,
    ".html": read_html,
    ".htm": read_html,
    ".csv": read_csv,
    ".tsv": read_tsv,
    ".tab": read_tsv,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".json": read_json,
}


def file_type(path: Path) -> str:
    """The format suffix of `path`, looking through a final `.gz` (".csv.gz" -> ".csv")."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def read_file(
    path: Path, root: Path, prefix: str, text_column: str | None = None
) -> tuple[dict, list[dict]]:
    """Read one file: (manifest entry {path, status, reason, warnings}, documents).

    Each document is {doc_id, source, date, title, text, meta}; `meta` holds extra metadata
    columns (speaker, party, row, ...). A document may also hold its paragraphs under
    PARAGRAPHS_KEY (not a column). Never raises for bad input: status "skipped" with a reason.
    """
    entry = {"path": str(path), "status": "ok", "reason": None, "warnings": []}
    kind = file_type(Path(path))
    reader = READERS.get(kind)
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    docs = Documents(prefix, rel)
    try:
        if reader is None:
            raise Skip(f"unsupported file type {kind}" if kind else "unsupported file type (none)")
        try:
            raw = _read_bytes(path)
        except OSError as exc:
            raise Skip(f"unreadable file: {exc.strerror or _one_line(exc)}") from None
        if not raw.strip():
            raise Skip("empty file")
        text = decode(raw)
        if not text.strip():
            raise Skip("empty file")
        reader(text, docs, path.name, text_column=text_column)
        documents = docs.finish()
    except Skip as skip:
        entry.update(status="skipped", reason=str(skip))
        entry["warnings"] = docs.warnings
        return entry, []
    except (RecursionError, MemoryError) as exc:
        entry.update(status="skipped", reason=f"could not read: {type(exc).__name__}")
        return entry, []
    entry["warnings"] = docs.warnings
    return entry, documents
