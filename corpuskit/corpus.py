"""The Corpus: the tables of one build as pandas DataFrames, plus its manifest."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from corpuskit import schema


@dataclass
class Corpus:
    """Tidy tables of a document collection: one DataFrame per table of the design contract."""

    documents: pd.DataFrame
    paragraphs: pd.DataFrame
    sentences: pd.DataFrame
    quotes: pd.DataFrame
    speakers: pd.DataFrame
    speaker_features: pd.DataFrame
    frame_evidence: pd.DataFrame
    manifest: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in contract order."""
        return {name: getattr(self, name) for name in schema.TABLE_NAMES}

    def to_parquet(self, out: str | os.PathLike, partitioned: bool = False) -> Path:
        """Write one Parquet file per table and manifest.json into `out`, atomically.

        The tables go to a sibling temporary folder that replaces `out` only when complete,
        so an interrupted write never leaves a folder that looks finished. With `partitioned`,
        each table is a folder of `part-NNNNN.parquet` files (the Dask engine's layout).
        """
        out = Path(out)
        tmp = staging_dir(out)
        for name, df in self.tables().items():
            table = arrow_table(name, df)
            with TableWriter(tmp, name, table.schema, partitioned) as writer:
                writer.write(table)
        write_manifest(tmp, self.manifest)
        replace_dir(tmp, out)
        return out

    @classmethod
    def from_parquet(cls, path: str | os.PathLike) -> Corpus:
        """Load a corpus written by `to_parquet` or `corpuskit build`."""
        path = Path(path)
        if not (path / "manifest.json").is_file():
            raise FileNotFoundError(f"{path} is not a corpuskit build (no manifest.json)")
        tables = {name: read_table(path, name) for name in schema.TABLE_NAMES}
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        return cls(**tables, manifest=manifest)

    def contrast(self, by: str, groups, **kwargs) -> pd.DataFrame:
        """Terms that distinguish speakers whose `by` column is groups[0] from groups[1]."""
        from corpuskit.contrast import contrast

        return contrast(self, by=by, groups=groups, **kwargs)

    def kwic(self, pattern: str, window: int = 8) -> pd.DataFrame:
        """Keyword in context, with speaker, for a term or `*` wildcard pattern."""
        from corpuskit.kwic import kwic

        return kwic(self, pattern, window=window)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(df)}" for name, df in self.tables().items())
        return f"Corpus({sizes})"


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """Table `name` of a build: `name.parquet`, or the parts of folder `name/` in order."""
    file, parts = folder / f"{name}.parquet", folder / name
    if file.is_file():
        return pd.read_parquet(file)
    if parts.is_dir():
        files = sorted(parts.glob("part-*.parquet"))
        if files:
            return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return schema.frame(name, [])


# Rows per Parquet row group: fixed per table, so the bytes never depend on how the rows came.
ROW_GROUP_ROWS = {"documents": 2_000, "paragraphs": 20_000, "sentences": 50_000}
DEFAULT_ROW_GROUP_ROWS = 50_000
FREE_TEXT_COLUMNS = ("text", "title", "sha256", "match")
ROW_GROUPS_PER_PART = 1  # partitioned layout: row groups per part file


def group_rows(name: str) -> int:
    """The rows of each Parquet row group of table `name`."""
    return ROW_GROUP_ROWS.get(name, DEFAULT_ROW_GROUP_ROWS)


def arrow_table(name: str, df: pd.DataFrame) -> pa.Table:
    """Table `name` as Arrow, with the canonical schema (see `canonical_schema`)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    return table.replace_schema_metadata(canonical_schema(name, table.schema).metadata)


_ARROW_TYPES = {
    "string": pa.large_string(),
    "int64": pa.int64(),
    "Int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
}


def arrow_rows(name: str, rows: list[dict]) -> pa.Table:
    """Rows of table `name` as Arrow: the table `arrow_table(name, schema.frame(name, rows))`
    without its pandas metadata (its writer carries the canonical schema).

    A direct conversion (`direct_arrow_rows`), several times quicker than going through pandas;
    rows with columns beyond the contract, or values Arrow will not take as the contract's type,
    go through pandas.
    """
    table = direct_arrow_rows(name, rows)
    if table is None:
        table = arrow_table(name, schema.frame(name, rows)).replace_schema_metadata(None)
    return table


def direct_arrow_rows(name: str, rows: list[dict]) -> pa.Table | None:
    """Rows of table `name` as Arrow with the contract's types (no pandas metadata), straight
    from the rows; None when only pandas can make the table (columns beyond the contract,
    values of other types)."""
    spec = schema.TABLES[name]
    if any(dtype not in _ARROW_TYPES for dtype in spec.values()) or not set().union(*rows).issubset(
        spec
    ):
        return None
    fields = pa.schema([(col, _ARROW_TYPES[dtype]) for col, dtype in spec.items()])
    try:
        table = pa.Table.from_pylist(rows, schema=fields)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return None
    return table


@lru_cache(maxsize=256)
def canonical_schema(name: str, fields: pa.Schema) -> pa.Schema:
    """`fields` with pandas metadata that depends only on the field types, never on the values.

    pyarrow's own metadata notes e.g. whether an object column held only nulls, which would
    make the bytes of a table written in pieces differ from the same table written at once.
    Cached: every file of a corpus has the same few schemas.
    """
    template = _pandas_columns(name)
    columns = []
    for field_ in fields:
        col = template.get(field_.name)
        if col is None or schema.TABLES[name].get(field_.name) == "object":
            col = {
                "name": field_.name,
                "field_name": field_.name,
                "pandas_type": _PANDAS_TYPES.get(str(field_.type), "object"),
                "numpy_type": schema.META_DTYPES.get(field_.name)
                or _NUMPY_TYPES.get(str(field_.type), "object"),
                "metadata": None,
            }
        columns.append(col)
    meta = {
        "index_columns": [],
        "column_indexes": [],
        "columns": columns,
        "attributes": {},
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": pd.__version__,
    }
    return pa.schema(list(fields), metadata={b"pandas": json.dumps(meta).encode()})


_PANDAS_TYPES = {
    "null": "empty",
    "large_string": "unicode",
    "string": "unicode",
    "bool": "bool",
    "int64": "int64",
    "double": "float64",
}
_NUMPY_TYPES = {"bool": "bool", "int64": "int64", "double": "float64"}


@cache
def _pandas_columns(name: str) -> dict[str, dict]:
    """pyarrow's pandas metadata of each contract column of table `name` (read-only)."""
    empty = pa.Table.from_pandas(schema.frame(name, []), preserve_index=False)
    return {c["name"]: c for c in json.loads(empty.schema.metadata[b"pandas"])["columns"]}


class TableWriter:
    """Writes one table as Parquet row groups of a fixed number of rows, as rows arrive.

    Rows are buffered only up to one row group, so memory does not grow with the table.
    The output is `folder/name.parquet`, or `folder/name/part-NNNNN.parquet` when partitioned.
    """

    def __init__(self, folder: Path, name: str, schema_: pa.Schema, partitioned: bool = False):
        self.folder, self.name, self.schema, self.partitioned = folder, name, schema_, partitioned
        self.group_rows = group_rows(name)
        self.n_rows, self._buffer, self._buffered = 0, [], 0
        self._writer, self._part, self._groups_in_part = None, 0, 0
        if partitioned:
            (folder / name).mkdir(parents=True, exist_ok=True)

    def write(self, table: pa.Table) -> None:
        """Append rows (a table with this writer's fields, in any order of columns)."""
        if table.num_rows == 0:
            return
        if table.schema.equals(self.schema, check_metadata=False):
            self._buffer.append(table)
            self._buffered += table.num_rows
            while self._buffered >= self.group_rows:
                self._flush(self.group_rows)
            return
        for field_ in self.schema:
            if field_.name not in table.column_names:
                table = table.append_column(field_, pa.nulls(table.num_rows, field_.type))
        self._buffer.append(table.select(self.schema.names).cast(self.schema))
        self._buffered += table.num_rows
        while self._buffered >= self.group_rows:
            self._flush(self.group_rows)

    def close(self) -> int:
        """Write the last rows and close the file; returns the number of rows written."""
        if self._buffered:
            self._flush(self._buffered)
        if self._writer is None:
            self._open()
        self._writer.close()
        return self.n_rows

    def discard(self) -> None:
        """Stop and delete what was written."""
        self._buffer, self._buffered = [], 0
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        target = (
            self.folder / self.name if self.partitioned else self.folder / f"{self.name}.parquet"
        )
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        self._part, self.n_rows = 0, 0

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _flush(self, n: int) -> None:
        pending = pa.concat_tables(self._buffer)
        group, rest = pending.slice(0, n), pending.slice(n)
        self._buffer, self._buffered = ([rest] if rest.num_rows else []), rest.num_rows
        if (
            self._writer is not None
            and self.partitioned
            and self._groups_in_part >= ROW_GROUPS_PER_PART
        ):
            self._writer.close()
            self._writer, self._part = None, self._part + 1
        if self._writer is None:
            self._open()
        # one contiguous chunk per column: page boundaries then depend on the rows alone
        self._writer.write_table(group.combine_chunks(), row_group_size=n)
        self._groups_in_part += 1
        self.n_rows += n

    def _open(self) -> None:
        if self.partitioned:
            path = self.folder / self.name / f"part-{self._part:05d}.parquet"
        else:
            path = self.folder / f"{self.name}.parquet"
        self._writer = pq.ParquetWriter(
            path,
            self.schema,
            compression="zstd",
            # dictionaries pay off for ids and labels, not for running text
            use_dictionary=[n for n in self.schema.names if n not in FREE_TEXT_COLUMNS],
        )
        self._groups_in_part = 0


def staging_dir(out: Path) -> Path:
    """A fresh, empty sibling folder of `out` to write a build into before it replaces `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    recover_dir(out)
    tmp = out.with_name(f".{out.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def write_manifest(folder: Path, manifest: dict) -> None:
    """`manifest.json` of a build, as indented UTF-8 JSON."""
    (folder / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
        encoding="utf-8",
    )


def replace_dir(new: Path, target: Path) -> None:
    """Move folder `new` to `target`, replacing any previous `target` only after `new` is complete.

    The previous `target` is first renamed aside; if the process dies between the two renames,
    `recover_dir` (run by the next write) puts it back.
    """
    recover_dir(target)
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old)
    else:
        os.replace(new, target)


def recover_dir(target: Path) -> None:
    """Put back a previous build that an interrupted `replace_dir` left renamed aside."""
    old = target.with_name(f".{target.name}.old")
    if old.exists() and not target.exists():
        os.replace(old, target)


def read(*inputs: str | os.PathLike, **settings) -> Corpus:
    """Read files, folders or globs into a Corpus (`corpuskit.read("seeds")`).

    Keyword arguments are build settings (see `corpuskit.pipeline.Settings`), e.g.
    `frames="my_frames.yaml"` or `speakers="speakers.csv"`.
    """
    from corpuskit.pipeline import Settings, build

    if not inputs:
        raise ValueError("corpuskit.read needs at least one input path")
    return build([str(p) for p in inputs], Settings(**settings))
