"""Corpus-level assembly of a streaming build, in two passes over the files' small tables.

A streaming build spills each file's quotes, frame evidence, entities and document metadata to
disk. The first pass holds only what resolving speakers and scoring them needs: per quote its
document, local speaker, word count, score and cue; per evidence row its quote's position, frame
and rejection. No quote text, offsets or ids. Speakers are resolved and written, then the second
pass writes quotes and frame evidence batch by batch with the resolved speakers filled in, and
speaker features come from the slim columns. Peak memory then follows the number of quotes and
speakers, not the size of the quote text.

The tables are the same bytes as `pipeline.small_tables` gives in memory: each batch takes the
same conversions, with the column types of the whole table. Where that could not be guaranteed
batch by batch, `assemble` takes the in-memory path instead (see `LeanPass.why`).
"""

from __future__ import annotations

import gc
import itertools
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from corpuskit import schema
from corpuskit.engine import Spill, _Concat, _Entities, from_ipc, release_memory, to_ipc

# What speaker resolution (doc_id, speaker, n_words) and speaker features read of each quote.
SLIM_QUOTE_COLUMNS = ("doc_id", "speaker", "n_words", "sentiment", "cue", "cue_lemma")
ENCODED_COLUMNS = ("doc_id", "speaker", "cue", "cue_lemma")  # categorical in the slim frame
NEEDED_QUOTE_COLUMNS = ("doc_id", "quote_id", "speaker", "n_words", "sentiment")
TEXT_TYPES = (pa.string(), pa.large_string(), pa.null())
BATCH_QUOTES = 50_000  # quotes of consecutive blobs converted at once (a rebuild's are per file)


class Batches:
    """Quotes and frame evidence of consecutive blobs gathered until a batch is full, so that
    per-table work is done per batch rather than per file. Each file's evidence rows come in
    the same blob, hence in the same batch, as the quotes they belong to."""

    def __init__(self):
        self.pending: dict[str, list[pa.Table]] = {"quotes": [], "frame_evidence": []}
        self.n_pending = 0

    def add(self, quotes: pa.Table, evidence: pa.Table) -> bool:
        """Add one blob's tables; True when the batch is full."""
        for name, table in (("quotes", quotes), ("frame_evidence", evidence)):
            if table.num_rows:
                self.pending[name].append(table)
        self.n_pending += quotes.num_rows
        return self.n_pending >= BATCH_QUOTES

    def take(self) -> tuple[pa.Table | None, pa.Table | None]:
        """(quotes, evidence) gathered so far, each one table (None: no rows), then empty."""
        out = []
        for tables in self.pending.values():
            out.append(
                pa.concat_tables(tables, promote_options="permissive") if len(tables) else None
            )
        self.pending = {"quotes": [], "frame_evidence": []}
        self.n_pending = 0
        return out[0], out[1]


def quote_positions(quotes: pa.Table | None, evidence: pa.Table, offset: int) -> np.ndarray:
    """Each evidence row's quote as its position among all quotes (-1: none), from the quote
    ids of the batch, which starts at quote `offset`."""
    if quotes is None or not quotes.num_rows:
        return np.full(evidence.num_rows, -1, dtype=np.int64)
    ids = quotes["quote_id"]
    local = pc.index_in(evidence["quote_id"].cast(ids.type), value_set=ids)
    local = local.to_numpy(zero_copy_only=False)  # float with NaN where missing
    found = ~np.isnan(local)
    return np.where(found, np.nan_to_num(local).astype(np.int64) + offset, -1)


class LeanPass:
    """The first pass: slim columns of every file's small tables, in input order.

    `why` is None when the second pass can write the tables batch by batch, else the reason
    it cannot (the caller then assembles in memory).
    """

    def __init__(self, batches: Spill):
        self.spill = batches  # each batch's whole tables, for the second pass
        self.documents: list[dict] = []
        self.quotes, self.evidence, self.entities = _Concat(), _Concat(), _Entities()
        self.schemas: dict[str, list[pa.Schema]] = {"quotes": [], "frame_evidence": []}
        self.batches = Batches()
        self.n_quotes = 0
        self.why: str | None = None

    def add(self, parts: dict) -> None:
        """Take one spilled blob (the small tables of a file or of a chunk of files)."""
        keep = schema.TABLES["documents"].keys() - {"doc_id"}
        self.documents.extend(
            {k: v for k, v in row.items() if k not in keep} for row in parts["documents"]
        )
        self.entities.add(parts["entities"])
        if self.why is not None:
            return
        quotes = from_ipc(parts["quotes"])
        evidence = from_ipc(parts["frame_evidence"])
        self._note_schema("quotes", quotes.schema)
        self._note_schema("frame_evidence", evidence.schema)
        if self.batches.add(quotes, evidence):
            self._take()

    def _note_schema(self, name: str, fields: pa.Schema) -> None:
        seen = self.schemas[name]
        if not seen or not fields.equals(seen[-1]):
            seen.append(fields)
            extra = [f for f in fields if f.name not in schema.TABLES[name]]
            if any(f.type not in TEXT_TYPES for f in extra):
                self.why = f"{name} with extra columns that are not text"

    def _take(self) -> None:
        quotes, evidence = self.batches.take()
        if self.why is not None:
            return
        self.spill.append(
            pickle.dumps(
                [None if t is None else to_ipc(t, compress=False) for t in (quotes, evidence)],
                protocol=5,
            )
        )
        if quotes is not None:
            missing = [c for c in NEEDED_QUOTE_COLUMNS if c not in quotes.column_names]
            if missing:
                self.why = f"quotes without {', '.join(missing)}"
                return
            if quotes["n_words"].null_count or quotes["sentiment"].null_count:
                self.why = "quotes without a word count or a score"
                return
            if pc.count_distinct(quotes["quote_id"]).as_py() != quotes.num_rows:
                self.why = "quote ids that repeat"
                return
            slim = quotes.select([c for c in SLIM_QUOTE_COLUMNS if c in quotes.column_names])
            self.quotes.add(_encoded(slim))
        if evidence is not None:
            rows = quote_positions(quotes, evidence, self.n_quotes)
            self.evidence.add(
                pa.table(
                    {
                        "quote_row": rows,
                        # a few frames over millions of rows: codes, not a string per row
                        "frame": pc.dictionary_encode(evidence["frame"].cast(pa.string())),
                        "rejected": evidence["rejected"],
                    }
                ).combine_chunks()
            )
        self.n_quotes += quotes.num_rows if quotes is not None else 0

    def finish(self) -> None:
        """Take the last batch; decide whether the batch-by-batch second pass applies."""
        self._take()
        if self.why is None and self.n_quotes == 0:
            self.why = "no quotes"
        ids = [row.get("doc_id") for row in self.documents]
        if self.why is None and len(set(ids)) != len(ids):
            self.why = "document ids that repeat"  # so quote ids may repeat across files


def _encoded(slim: pa.Table) -> pa.Table:
    """The slim quotes contiguous (so the blobs' small buffers and the rest of their tables can
    go), their repeated strings dictionary-encoded: a document's id, a speaker's name and a
    cue are held once per batch, not once per quote."""
    slim = slim.combine_chunks()
    for i, name in enumerate(slim.column_names):
        if name in ENCODED_COLUMNS:
            column = pc.dictionary_encode(slim.column(i).cast(pa.string()))
            slim = slim.set_column(i, name, column)
    return slim


def first_pass(small: Iterable[bytes], batches: Spill) -> LeanPass:
    """Read every spilled blob once, keeping the slim columns and writing the quotes and
    evidence of each batch of blobs to `batches`, for the second pass."""
    lean = LeanPass(batches)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many new objects, none of them garbage: skip the collector's scans
    try:
        for blob in small:
            lean.add(pickle.loads(blob))
    finally:
        if gc_was_enabled:
            gc.enable()
    lean.finish()
    return lean


def document_metadata(rows: list[dict]) -> pd.DataFrame:
    """doc_id and the metadata columns of the documents (what speakers carry over), typed as
    the documents table types them."""
    frame = pd.DataFrame(rows)
    frame["doc_id"] = frame["doc_id"].astype(schema.TABLES["documents"]["doc_id"])
    for col in frame.columns:
        if col in schema.META_DTYPES:
            frame[col] = frame[col].astype(schema.META_DTYPES[col])
    return frame


def slim_quotes(lean: LeanPass) -> pd.DataFrame:
    """The slim quote columns as one frame, typed as the quotes table types them, but for the
    repeated strings, which stay categorical (speakers and features only group by them)."""
    table = lean.quotes.table()
    frame = table.to_pandas(self_destruct=True)
    del table
    for col in frame.columns:
        dtype = schema.TABLES["quotes"].get(col)
        if dtype is not None and col not in ENCODED_COLUMNS:
            frame[col] = frame[col].astype(dtype)
    return frame


def second_pass(
    lean: LeanPass, speaker_id: pd.Series, speaker: pd.Series, quote_rows: np.ndarray
) -> Iterator[tuple[str, pa.Table]]:
    """Quotes and frame evidence batch by batch, as ("quotes" | "frame_evidence", Arrow table),
    with each quote's resolved speaker and each evidence row's quote's speaker filled in.

    `speaker_id` and `speaker` hold every quote's resolved speaker, in input order;
    `quote_rows` each evidence row's quote, as the first pass found it.
    """
    fields = {name: unified(schemas) for name, schemas in lean.schemas.items()}
    offset = evidence_offset = 0
    for blob in lean.spill.blobs():
        quotes, evidence = (
            None if data is None else as_unified(from_ipc(data), fields[name])
            for name, data in zip(("quotes", "frame_evidence"), pickle.loads(blob), strict=True)
        )
        if evidence is not None and evidence.num_rows:
            rows = quote_rows[evidence_offset : evidence_offset + evidence.num_rows]
            evidence_offset += evidence.num_rows
            yield "frame_evidence", _evidence(evidence, rows, speaker_id, speaker)
        if quotes is not None and quotes.num_rows:
            n = quotes.num_rows  # `_quotes` lets the table go
            yield "quotes", _quotes(quotes, speaker_id, speaker, offset)
            offset += n


def as_unified(table: pa.Table, fields: pa.Schema) -> pa.Table:
    """A batch with the columns and types of the whole table, as the in-memory path
    concatenates the files' tables."""
    if table.schema.equals(fields):
        return table
    return pa.concat_tables([fields.empty_table(), table], promote_options="permissive")


def _quotes(quotes: pa.Table, speaker_id, speaker, offset: int) -> pa.Table:
    """A batch of quotes, converted as the in-memory path converts the whole table."""
    from corpuskit.corpus import arrow_table

    n = quotes.num_rows
    frame = quotes.to_pandas(self_destruct=True)
    del quotes
    frame["speaker_id"] = speaker_id.array[offset : offset + n]
    frame["speaker"] = speaker.array[offset : offset + n]
    return arrow_table("quotes", schema.frame("quotes", frame))


def _evidence(evidence: pa.Table, rows: np.ndarray, speaker_id, speaker) -> pa.Table:
    """A batch of frame evidence with the speakers of its quotes (at positions `rows`), joined
    as the in-memory path joins them (missing where the quote is not found: -1)."""
    from corpuskit.corpus import arrow_table

    frame = evidence.to_pandas(self_destruct=True)
    del evidence
    frame["speaker_id"] = speaker_id.array.take(rows, allow_fill=True)
    frame["speaker"] = speaker.array.take(rows, allow_fill=True)
    return arrow_table("frame_evidence", schema.frame("frame_evidence", frame))


def unified(schemas: list[pa.Schema]) -> pa.Schema:
    """The schema of all blobs' tables concatenated, as the in-memory path concatenates them."""
    return pa.unify_schemas(schemas, promote_options="permissive")


def evidence_frame(lean: LeanPass) -> pd.DataFrame:
    """The slim evidence (quote_row, frame, rejected) as one frame, for speaker features."""
    table = lean.evidence.table()
    if table is None:
        return pd.DataFrame()
    return table.to_pandas(self_destruct=True)


def assemble(stage, small: Spill, partitioned: bool, settings) -> dict[str, int]:
    """Write quotes, speakers, frame evidence and speaker features into `stage` from the
    spilled small tables `small`; returns their sizes. In two passes when the corpus allows
    it, else with the small tables in memory: the same bytes either way."""
    sizes = two_passes(stage, small, partitioned, settings)
    return sizes if sizes is not None else in_memory(stage, small, partitioned, settings)


def in_memory(stage, small: Spill, partitioned: bool, settings) -> dict[str, int]:
    """`assemble` with every column of the small tables in memory, as `corpuskit.read` does."""
    from corpuskit.engine import _small_tables
    from corpuskit.pipeline import small_tables

    rows = _small_tables(small.blobs())
    documents = schema.frame("documents", rows.pop("documents"))
    sizes = {}
    for name, df in small_tables(rows, documents, settings):
        sizes[name] = _write(stage, name, df, partitioned)
        del df  # the last reference to tables features does not use
        release_memory()
    return sizes


def two_passes(stage, small: Spill, partitioned: bool, settings) -> dict[str, int] | None:
    """`assemble` in two passes over the spill; None when this corpus needs the in-memory path
    (`small` can then still be read)."""
    from corpuskit import features, speakers
    from corpuskit.corpus import TableWriter, arrow_table, group_rows
    from corpuskit.pipeline import load_dictionary

    lean = first_pass(small.blobs(keep=True), Spill(Path(stage) / ".batches.spill"))
    if lean.why is not None:
        lean.spill.close()
        return None
    small.close()  # the batches hold what the second pass needs
    documents = document_metadata(lean.documents)
    lean.documents = []
    quotes = slim_quotes(lean)
    # rows, when Arrow could not take them; indexed, so the table goes before resolution
    entities = speakers.index_entities(pd.DataFrame(lean.entities.result()))
    release_memory()
    speaker_meta = speakers.load_metadata(settings.speakers) if settings.speakers else None
    quotes, speaker_table = speakers.build(quotes, entities, documents, speaker_meta)
    del entities, documents
    # each quote's speaker stays categorical: each batch and features take the same values
    del quotes["doc_id"]  # speakers are resolved: features do not read it
    release_memory()
    sizes = {"speakers": _write(stage, "speakers", speaker_table, partitioned)}
    # features take only the names; aliases and metadata are written and can go
    speaker_table = speaker_table[["speaker_id", "speaker"]]
    release_memory()

    evidence = evidence_frame(lean)
    quote_rows = evidence["quote_row"].to_numpy() if len(evidence) else np.empty(0, np.int64)
    writers: dict[str, TableWriter] = {}
    for name, table in second_pass(lean, quotes["speaker_id"], quotes["speaker"], quote_rows):
        if name not in writers:
            writers[name] = TableWriter(stage, name, table.schema, partitioned)
        writers[name].write(table)
        del table
    if "frame_evidence" not in writers:  # no evidence at all: an empty table, as in memory
        empty = arrow_table("frame_evidence", schema.frame("frame_evidence", pd.DataFrame([])))
        writers["frame_evidence"] = TableWriter(stage, "frame_evidence", empty.schema, partitioned)
    sizes.update({name: writer.close() for name, writer in writers.items()})
    release_memory()

    # in two halves, so that the tables are let go before the bootstrap, features' peak
    gathered = features.gather(quotes, speaker_table, evidence, load_dictionary(settings.frames))
    del quotes, speaker_table, evidence, lean
    release_memory()
    # a row group of speakers at a time: the whole table is never held
    feats = features.score_chunks(
        gathered, group_rows("speaker_features"), seed=settings.seed, n_boot=settings.n_boot
    )
    del gathered
    sizes["speaker_features"] = _write(stage, "speaker_features", feats, partitioned)
    return sizes


def _write(stage, name: str, frames: pd.DataFrame | Iterable[pd.DataFrame], partitioned) -> int:
    """Write table `name` from a DataFrame, or from consecutive DataFrames of whole row groups,
    a row group at a time, each converted to Arrow on its own, so the table is not held twice
    (as pandas and as Arrow). The writer takes the first frame's Arrow types, which are the
    whole table's when every frame has the same column types."""
    from corpuskit.corpus import TableWriter, arrow_table, canonical_schema

    frames = iter([frames] if isinstance(frames, pd.DataFrame) else frames)
    first = next(frames)
    fields = canonical_schema(name, pa.Schema.from_pandas(first, preserve_index=False))
    frames = itertools.chain([first], frames)
    del first
    with TableWriter(stage, name, fields, partitioned) as writer:
        for frame in frames:
            for start in range(0, len(frame), writer.group_rows):
                writer.write(arrow_table(name, frame.iloc[start : start + writer.group_rows]))
            del frame
    return writer.n_rows
