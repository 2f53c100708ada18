"""Execution engines: run `process_file` over many files on a process pool or on Dask, stream
the big tables to Parquet as results arrive, and reuse the results of unchanged files.

`build_dir` is the `corpuskit build` path. Per-file work runs in parallel, in chunks of files;
its results come back in input order, are kept per file in `DIR/.cache` (the next build reuses
them) and written out as Parquet row groups of a fixed size, so the tables are the same bytes
whatever the number of jobs, the chunk size or the engine. The small tables that need
corpus-level work (quotes, entities, frame evidence) are spilled to disk as they come and
assembled at the end by `assembly.assemble`.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import os
import pickle
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from corpuskit import __version__, schema
from corpuskit.errors import BuildError, UsageError

if TYPE_CHECKING:
    import pandas as pd

BIG_TABLES = ("documents", "paragraphs", "sentences")  # streamed to disk file by file
CACHE_DIR = ".cache"
ENGINES = ("local", "dask")
REUSED_RUN = 64  # reused files read from the cache and written at once
MIN_FILES_FOR_POOL = 16  # with --jobs left automatic, fewer files run in this process
POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
# Test hook: seconds to sleep per file, so a test can interrupt a build mid-way.
DELAY_ENV = "CORPUSKIT_TEST_FILE_DELAY"


# ---------------------------------------------------------------- mapping work over workers


def workers(settings) -> int:
    """Worker processes for the local engine: `settings.jobs`, or one per core when 0."""
    return settings.jobs if settings.jobs > 0 else (os.cpu_count() or 1)


def chunk_size(n_items: int, n_workers: int, requested: int = 0) -> int:
    """Files per task: as asked, else about four tasks per worker, at most 64 files each."""
    if requested > 0:
        return requested
    return max(1, min(64, -(-n_items // (4 * n_workers))))


def map_files(fn: Callable[[list], list], items: list, settings) -> Iterator:
    """`fn` over `items` in chunks on the settings' engine; yields one result per item, in order."""
    if settings.engine not in ENGINES:
        raise UsageError(f"unknown engine {settings.engine!r} (choose from {', '.join(ENGINES)})")
    from corpuskit.progress import progress

    n = workers(settings)
    size = chunk_size(len(items), n, settings.chunk_size)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    if settings.engine == "dask":
        results = _map_dask(fn, chunks, settings)
    elif n > 1 and len(chunks) > 1 and (settings.jobs > 0 or len(items) >= MIN_FILES_FOR_POOL):
        results = _map_pool(fn, chunks, n)
    else:
        results = map(fn, chunks)
    flat = (r for chunk in results for r in chunk)
    yield from progress(flat, len(items), settings.progress)


def _map_pool(fn, chunks: list[list], n_workers: int) -> Iterator[list]:
    """Chunks on a pool of processes, at most two per worker in flight, results in order."""
    from concurrent.futures import ProcessPoolExecutor

    # forkserver: workers fork from a clean single-threaded server, never from a parent that
    # runs Arrow or tqdm threads; preloading makes each worker start without re-importing.
    context = _forkserver_context()
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
        yield from _windowed(pool.submit, fn, chunks, 2 * n_workers)


def _forkserver_context():
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["corpuskit.pipeline", "corpuskit.engine"])
    return context


def start_workers_early(settings) -> None:
    """Start the local engine's fork server now: its imports then overlap with planning the
    build (listing and hashing the inputs) instead of delaying the first results."""
    if settings.engine == "local" and workers(settings) > 1:
        from multiprocessing import forkserver

        _forkserver_context()
        forkserver.ensure_running()


def _windowed(submit, fn, chunks: list[list], window: int) -> Iterator[list]:
    pending: deque = deque()
    todo = iter(chunks)
    for chunk in todo:
        pending.append(submit(fn, chunk))
        if len(pending) >= window:
            break
    while pending:
        result = pending.popleft().result()
        for chunk in todo:
            pending.append(submit(fn, chunk))
            break
        yield result


def _map_dask(fn, chunks: list[list], settings) -> Iterator[list]:
    """Chunks as tasks on a Dask cluster (results come back here, in order)."""
    with dask_client(settings) as client:

        def submit(f, chunk):
            return client.submit(f, chunk, pure=False)

        yield from _windowed(submit, fn, chunks, 4 * max(1, _n_dask_workers(client)))


def _n_dask_workers(client) -> int:
    return len(client.scheduler_info().get("workers", {}))


@contextmanager
def dask_client(settings):
    """A dask.distributed Client for `settings.scheduler`, or on a new LocalCluster when None."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            "the dask engine needs dask.distributed: pip install 'corpuskit[dask]'"
        ) from None
    if settings.scheduler:
        try:
            client = Client(settings.scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                f"cannot reach the Dask scheduler at {settings.scheduler}: {exc}"
            ) from None
        with client:
            yield client
        return
    n = workers(settings)
    with (
        LocalCluster(n_workers=n, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client


# ---------------------------------------------------------------- per-file work in workers


def process_files(args_list: list[tuple]) -> list:
    """`process_file` over a chunk of files (runs in a worker)."""
    from corpuskit.pipeline import process_file

    return [process_file(*args) for args in args_list]


def process_files_for_disk(args_list: list[tuple]) -> list[tuple[bytes, bytes, tuple | None]]:
    """`process_file` over a chunk of files, each result packed for the cache (runs in a worker).

    Each file gives (meta, tables, chunk). `chunk` is None but on the chunk's last file, where
    it is (number of files, the whole chunk packed by `_joined`, or None): the build then
    decodes and writes one table per chunk rather than one per file.
    """
    from corpuskit.pipeline import process_file

    delay = float(os.environ.get(DELAY_ENV, "0") or 0)
    results = []
    for args in args_list:
        if delay:
            time.sleep(delay)
        results.append(process_file(*args))
    packed = _pack_together(results)
    return packed if packed is not None else _pack_each(results)


def _pack_each(results: list) -> list[tuple[bytes, bytes, tuple | None]]:
    """The files' results packed one by one (`_pack`), then joined (`_chunk_tables`)."""
    out, arrow = [], []
    for result in results:
        meta, tables, parts = _pack(result)
        out.append((meta, tables, None))
        arrow.append(parts)
    if out:
        meta, tables, _ = out[-1]
        joined = _chunk_tables(arrow)
        out[-1] = (meta, tables, (len(out), None if joined is None else _joined(*joined)))
    return out


def _pack_together(results: list) -> list[tuple[bytes, bytes, tuple | None]] | None:
    """The files' results packed as `_pack_each` packs them, but each table made Arrow once
    for all the files and sliced per file: converting rows costs mostly per call, and per file
    it took a third of a worker's time. None when some table could not be made that way for
    all files at once (columns beyond the contract, rows differing in keys, values Arrow cannot
    type): `_pack_each` then converts file by file, as before."""
    from corpuskit.corpus import direct_arrow_rows

    if len(results) < 2:
        return None
    tables = {}
    for name in (*BIG_TABLES, *_SMALL_ARROW):
        rows = [row for result in results for row in result.rows[name]]
        if name in BIG_TABLES:
            table = direct_arrow_rows(name, rows)
            if table is not None:  # as `_pack` makes them: the writers have the canonical schema
                table = table.replace_schema_metadata(None)
        else:
            table = _from_pylist(rows) if rows else pa.table({})
        if table is None:
            return None
        tables[name] = table
    documents = [_documents(result) for result in results]
    offsets = dict.fromkeys(tables, 0)
    out = []
    for result, docs in zip(results, documents, strict=True):
        parts = {}
        for name, table in tables.items():
            n = len(result.rows[name])
            parts[name] = table.slice(offsets[name], n)
            offsets[name] += n
        meta, ipc = _pack_parts(result.entry, parts, docs)
        out.append((meta, ipc, None))
    meta, ipc, _ = out[-1]
    joined = _joined(tables, [row for docs in documents for row in docs])
    out[-1] = (meta, ipc, (len(out), joined))
    return out


# the small tables that go as Arrow (document metadata goes as rows)
_SMALL_ARROW = ("quotes", "frame_evidence", "entities")


def _chunk_tables(per_file: list[tuple[dict, list]]) -> tuple[dict, list] | None:
    """The tables and document rows of consecutive files (as `_pack` gives them) joined. None
    when the files' tables cannot be joined as the build would join them (other big-table
    columns, entities Arrow cannot take): the build takes them file by file.
    """
    if len(per_file) < 2:
        return None
    first = per_file[0][0]
    if any(not t[n].schema.equals(first[n].schema) for t, _ in per_file for n in BIG_TABLES):
        return None
    if any(t["entities"] is None for t, _ in per_file):
        return None
    try:
        tables = {
            name: _concat(tables) if tables else first[name]
            for name in _SMALL_ARROW
            for tables in [[t[name] for t, _ in per_file if t[name].num_rows]]
        }
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    for name in BIG_TABLES:
        tables[name] = pa.concat_tables([t[name] for t, _ in per_file])
    return tables, [row for _, documents in per_file for row in documents]


def _cached_parts(tables: bytes, small: bytes) -> tuple[dict, list]:
    """A file's tables as Arrow and its document rows, as `_pack` gives them, from its cache
    entry (entities None when they were kept as rows)."""
    small_tables = pickle.loads(small)
    entities = small_tables["entities"]
    parts = _decoded(pickle.loads(tables))
    parts["quotes"] = from_ipc(small_tables["quotes"])
    parts["frame_evidence"] = from_ipc(small_tables["frame_evidence"])
    parts["entities"] = from_ipc(entities) if isinstance(entities, bytes) else None
    return parts, small_tables["documents"]


def _joined(tables: dict[str, pa.Table], documents: list[dict]) -> bytes:
    """The tables of consecutive files, for the build to take at once: the big tables as one
    uncompressed Arrow stream each, the small tables as one blob like a file's."""
    big = {name: to_ipc(tables[name], compress=False) for name in BIG_TABLES}
    return pickle.dumps({"big": big, "small": _small_blob(tables, documents)}, protocol=5)


def _small_blob(tables: dict[str, pa.Table], documents: list[dict]) -> bytes:
    """The small tables of one or more files as the spill keeps them: Arrow streams for
    quotes, evidence and entities, rows for document metadata."""
    small = {name: to_ipc(tables[name], compress=False) for name in _SMALL_ARROW}
    small["documents"] = documents
    return pickle.dumps(small, protocol=5)


def _decoded(ipc: dict[str, bytes]) -> dict[str, pa.Table]:
    return {name: from_ipc(data) for name, data in ipc.items()}


def _pack(result) -> tuple[bytes, bytes, tuple[dict, list]]:
    """A file's result as (meta, tables) bytes (`_pack_parts`), and its tables as Arrow with
    its document rows, for `_chunk_tables` (entities None when Arrow cannot take them)."""
    from corpuskit.corpus import arrow_rows

    # without the pandas metadata (a kilobyte per table): the writers have the canonical schema
    parts = {
        name: arrow_rows(name, result.rows[name]).replace_schema_metadata(None)
        for name in BIG_TABLES
    }
    parts["quotes"] = _rows_to_arrow(result.rows["quotes"])
    parts["frame_evidence"] = _rows_to_arrow(result.rows["frame_evidence"])
    parts["entities"] = _entities_to_arrow(result.rows["entities"])
    documents = _documents(result)
    entity_rows = result.rows["entities"] if parts["entities"] is None else None
    meta, ipc = _pack_parts(result.entry, parts, documents, entity_rows)
    return meta, ipc, (parts, documents)


def _pack_parts(entry: dict, parts: dict, documents: list[dict], entity_rows=None):
    """A file's (meta, tables) bytes, the two files of its cache entry, from its tables as Arrow.

    `meta`: the manifest entry, the columns of each big table and the small tables (quotes,
    evidence and entities as Arrow, a fraction of the memory of rows at corpus scale; document
    metadata as rows; entities as rows when Arrow cannot take them). `tables`: the big tables
    as Arrow IPC streams.
    """
    small = {
        "quotes": to_ipc(parts["quotes"]),
        "frame_evidence": to_ipc(parts["frame_evidence"]),
        "entities": entity_rows if entity_rows is not None else to_ipc(parts["entities"]),
        "documents": documents,
    }
    meta = {
        "entry": entry,
        "schemas": {n: parts[n].schema.serialize().to_pybytes() for n in BIG_TABLES},
        "small": pickle.dumps(small, protocol=5),
    }
    ipc = {name: to_ipc(parts[name]) for name in BIG_TABLES}
    return pickle.dumps(meta, protocol=5), pickle.dumps(ipc, protocol=5)


def _documents(result) -> list[dict]:
    """A file's document rows without their text: what corpus-level assembly needs of them."""
    return [{k: v for k, v in row.items() if k != "text"} for row in result.rows["documents"]]


def _rows_to_arrow(rows: list[dict]) -> pa.Table:
    """Rows as Arrow with the types Arrow infers; through pandas when Arrow cannot type them
    or the rows differ in keys (Arrow would keep only the first row's)."""
    table = _from_pylist(rows)
    if table is None:
        import pandas as pd

        table = pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False)
    return table


def _entities_to_arrow(rows: list[dict]) -> pa.Table | None:
    """A file's entities as Arrow; None if Arrow cannot take them as they are (the corpus then
    builds the entities frame from rows, as the in-memory path does)."""
    return _from_pylist(rows) if rows else pa.table({})


def _from_pylist(rows: list[dict]) -> pa.Table | None:
    """Rows as Arrow with the types Arrow infers; None when the rows differ in keys or Arrow
    cannot type a column."""
    keys = rows[0].keys() if rows else None
    if any(row.keys() != keys for row in rows):
        return None
    try:
        return pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return None


# lz4 for what is kept on disk: a third of the size, quick to read; no threads: they cost more
# than they save on tables of one file. What only crosses a pipe once is not compressed.
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4", use_threads=False)
_IPC_PIPE = pa.ipc.IpcWriteOptions(use_threads=False)
_IPC_READ = pa.ipc.IpcReadOptions(use_threads=False)


def to_ipc(table: pa.Table, compress: bool = True) -> bytes:
    """`table` as an Arrow IPC stream: far quicker to load than a pickled table."""
    sink = pa.BufferOutputStream()
    options = _IPC_OPTIONS if compress else _IPC_PIPE
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data, options=_IPC_READ).read_all()


# ---------------------------------------------------------------- the per-file cache


class FileCache:
    """Per-file results kept in `folder` (a build's `.cache`), found again by key.

    A key covers everything a file's result depends on: its bytes, where it sits (ids and
    sources derive from its path), the corpuskit code and version, the dictionary and the
    settings used per file. Entries of earlier builds are hard-linked in from `previous`.
    """

    def __init__(self, folder: Path, previous: Iterable[Path] = ()):
        self.folder = folder
        self.previous = [p for p in previous if p is not None and p.is_dir()]
        folder.mkdir(parents=True, exist_ok=True)

    def _file(self, folder: Path, key: str) -> Path:
        return folder / f"{key}.pkl"

    def lookup(self, key: str) -> bool:
        """Whether `key` is cached, bringing it in from a previous build's cache if needed."""
        mine = self._file(self.folder, key)
        if mine.is_file():
            return True
        for folder in self.previous:
            theirs = self._file(folder, key)
            if theirs.is_file():
                _link_or_copy(theirs, mine)
                return True
        return False

    def store(self, key: str, meta: bytes, tables: bytes) -> None:
        """Save a file's result; it appears whole or not at all."""
        path = self._file(self.folder, key)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps((meta, tables), protocol=5))
        os.replace(tmp, path)

    def load(self, key: str) -> tuple[bytes, bytes]:
        """The (meta, tables) bytes stored for `key`."""
        return pickle.loads(self._file(self.folder, key).read_bytes())


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def code_fingerprint() -> str:
    """sha256 of corpuskit's code and data files: a changed stage invalidates cached results."""
    import corpuskit

    package = Path(corpuskit.__file__).parent
    h = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()


def build_fingerprint(settings, dictionary) -> str:
    """What every file's result depends on besides the file: code, lexicons, per-file settings."""
    from corpuskit import lexicons

    frames_sha = None
    if settings.frames and Path(settings.frames).is_file():
        from corpuskit.pipeline import sha256_file

        frames_sha = sha256_file(Path(settings.frames))
    parts = {
        "code": code_fingerprint(),
        "lexicons": lexicons.versions(dictionary),
        "frames": [settings.frames, frames_sha],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def file_key(job: dict, fingerprint: str) -> str:
    """Cache key of one input file."""
    parts = [fingerprint, job["sha256"], job["shown"], str(job["root"]), job["prefix"]]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


# ---------------------------------------------------------------- the streaming build


def build_dir(inputs: list[str], out: str | os.PathLike, settings) -> dict:
    """Build the tables of `inputs` into folder `out`, streaming; returns the manifest.

    `out` is replaced only when the new build is complete; results of unchanged files are
    reused from `out/.cache` (and from an interrupted build's leftovers). The Dask engine
    writes each table as a folder of parts, the local engine as one file.
    """
    with _jemalloc_pool():
        return _build_dir(inputs, Path(out), settings)


@contextmanager
def _jemalloc_pool():
    """Arrow allocates through its jemalloc pool during a build, in this process and in the
    workers (through the environment their fork server starts with), unless the user chose a
    pool (ARROW_DEFAULT_MEMORY_POOL). It gives freed memory back sooner than the default,
    mimalloc, at the same speed: 10,000 articles peak at 549 MiB instead of 587. (This process
    imported pyarrow before: what Arrow's C++ allocates on its own stays with mimalloc.)"""
    pool = None if os.environ.get(POOL_ENV) else _jemalloc()
    if pool is None:
        yield
        return
    previous = pa.default_memory_pool()
    os.environ[POOL_ENV] = "jemalloc"
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
        os.environ.pop(POOL_ENV, None)


def _jemalloc() -> pa.MemoryPool | None:
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (e.g. on Windows)
        return None


def _build_dir(inputs: list[str], out: Path, settings) -> dict:
    """`build_dir` with the build's memory pool in place."""
    from corpuskit.corpus import replace_dir, staging_dir, write_manifest
    from corpuskit.pipeline import build, load_dictionary, plan

    partitioned = settings.engine == "dask"
    if settings.frame_model:
        # a frame model is applied to the whole corpus at once: build it in memory
        corpus = build(inputs, settings)
        corpus.to_parquet(out, partitioned=partitioned)
        return corpus.manifest
    start_workers_early(settings)
    jobs = plan(inputs)
    if not jobs:
        raise UsageError("no input files found in: " + " ".join(inputs))

    resume = _keep_interrupted_cache(out)
    stage = staging_dir(out)
    try:
        previous = [out / CACHE_DIR, resume] if settings.cache else []
        cache = FileCache(stage / CACHE_DIR, previous)
        dictionary = load_dictionary(settings.frames)
        fingerprint = build_fingerprint(settings, dictionary)
        entries, big, small = _stream(stage, jobs, cache, fingerprint, settings)
        del jobs  # per-file state the assembly does not need: ~100 MB at 100,000 files
        manifest = _assemble(stage, entries, big, small, settings)
        if not settings.cache:
            shutil.rmtree(stage / CACHE_DIR)
        write_manifest(stage, manifest)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    replace_dir(stage, out)
    if resume is not None:
        shutil.rmtree(resume, ignore_errors=True)
    return manifest


def _keep_interrupted_cache(out: Path) -> Path | None:
    """Move the cache of an interrupted build of `out` aside so the next build reuses it."""
    partial = out.with_name(f".{out.name}.partial") / CACHE_DIR
    resume = out.with_name(f".{out.name}.resume")
    if partial.is_dir():
        if resume.exists():
            shutil.rmtree(resume)
        os.replace(partial, resume)
    return resume if resume.is_dir() else None


def _stream(stage: Path, jobs: list[dict], cache: FileCache, fingerprint: str, settings):
    """Process or reuse every file, in input order, writing the big tables as results arrive.

    Returns (manifest entries, BigTables, the small tables of each file), both spilled to disk.
    """
    from corpuskit.pipeline import duplicate_entry

    keys = [None if "duplicate_of" in job else file_key(job, fingerprint) for job in jobs]
    reused = {key: cache.lookup(key) for key in keys if key}
    todo = [job for job, key in zip(jobs, keys, strict=True) if key and not reused[key]]
    args = [(j["path"], j["root"], j["prefix"], j["sha256"], settings) for j in todo]
    results = map_files(process_files_for_disk, args, settings)
    big = BigTables(stage, settings.engine == "dask")
    entries, small = Entries(stage / ".entries.spill"), Spill(stage / ".small.spill")
    # (tables, small) of files not written yet, in input order: either reused files (written a
    # run at a time) or fresh files waiting for the rest of their chunk of work
    pending: list[tuple[bytes, bytes]] = []
    pending_reused = False

    def take_files():
        if pending_reused and big.streaming:  # reused files: joined as workers join a chunk
            joined = _chunk_tables([_cached_parts(tables, blob) for tables, blob in pending])
            if joined is not None:
                big.write_tables(joined[0])
                small.append(_small_blob(*joined))
                pending.clear()
                return
        big.write_files([tables for tables, _ in pending])
        for _, blob in pending:
            small.append(blob)
        pending.clear()

    for job, key in zip(jobs, keys, strict=True):
        if key is None:
            entries.append(duplicate_entry(job))
            continue
        chunk = None
        if reused[key] != pending_reused:
            take_files()  # the other kind of file comes before this one in input order
        if reused[key]:
            meta_bytes, tables_bytes = cache.load(key)
        else:
            meta_bytes, tables_bytes, chunk = next(results)
            cache.store(key, meta_bytes, tables_bytes)
        meta = pickle.loads(meta_bytes)
        entries.append(dict(meta["entry"], reused=reused[key]))
        big.add(key, meta["schemas"])
        pending.append((tables_bytes, meta["small"]))
        pending_reused = reused[key]
        if reused[key]:
            if len(pending) >= REUSED_RUN:
                take_files()
        elif chunk is not None:  # the chunk's last file: take the chunk at once if all here
            n_files, packed = chunk
            if packed is not None and len(pending) == n_files:
                joined = pickle.loads(packed)
                big.write_tables(_decoded(joined["big"]))
                small.append(joined["small"])
                pending.clear()
            else:
                take_files()
    take_files()
    results.close()  # shut the worker pool down now: its memory is not needed for assembly
    _stop_forkserver()
    big.finish(cache)
    release_memory()  # the written tables' buffers and the results' bytes, before assembly
    return entries, big, small


def release_memory() -> None:
    """Hand freed memory back to the system, for the next step to use: Arrow's pool keeps what
    it freed, and the C heap the pages of freed blocks below its top (malloc_trim, where the C
    library has it, returns them: 42 MiB less at the peak of a 100,000-article build)."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (macOS, Windows)."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # no C library to load by name (Windows)
        return None


def _stop_forkserver() -> None:
    """Stop this process's multiprocessing fork server, if running (it holds ~100 MiB of
    preloaded modules; a later pool starts a new one)."""
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:  # a private API: without it the server just lives on
        stop()


class BigTables:
    """Writes documents, paragraphs and sentences in input order, as they come.

    The columns are those of the first file; should a later file bring other columns (e.g.
    metadata columns of a CSV), streaming stops and `finish` rewrites the tables from the
    cache with the union of all columns, so the result is the same either way. Rows may come
    file by file or a chunk of files at a time: row groups have a fixed size, so the bytes
    written do not depend on it.
    """

    def __init__(self, stage: Path, partitioned: bool):
        self.stage, self.partitioned = stage, partitioned
        self.writers: dict = {}
        self.schema_bytes: dict[str, bytes] = {}
        self.fields: dict[str, pa.Schema] = {}
        self.keys: list[str] = []
        self.streaming = True
        self.sizes: dict[str, int] = {}

    def add(self, key: str, schemas: dict[str, bytes]) -> None:
        """Note the next file (its cache key and the columns of its tables), in input order;
        its rows come through `write_files` or `write_tables`."""
        self.keys.append(key)
        for name, data in schemas.items():
            if name not in self.schema_bytes:
                self.schema_bytes[name], self.fields[name] = data, _read_schema(data)
            elif data != self.schema_bytes[name]:
                self.fields[name] = pa.unify_schemas(
                    [self.fields[name], _read_schema(data)], promote_options="permissive"
                )
                self.schema_bytes[name] = self.fields[name].serialize().to_pybytes()
                self._stop_streaming()

    def write_files(self, tables: list[bytes]) -> None:
        """Write the rows of files, each as packed for the cache, one write per table for all
        of them (files written while streaming have the same columns)."""
        if self.streaming and tables:
            files = [pickle.loads(data) for data in tables]
            self._write({n: pa.concat_tables([from_ipc(f[n]) for f in files]) for n in BIG_TABLES})

    def write_tables(self, tables: dict[str, pa.Table]) -> None:
        """Write the rows of consecutive files at once, as `_chunk_tables` joins them."""
        if self.streaming:
            self._write(tables)

    def finish(self, cache: FileCache) -> None:
        """Close the tables, rewriting them from the cache if the columns changed mid-way."""
        if not self.streaming:
            for key in self.keys:
                self._write(_decoded(pickle.loads(cache.load(key)[1])))
        self.keys = []
        self.sizes = {name: writer.close() for name, writer in self._open().items()}

    def _open(self) -> dict:
        from corpuskit.corpus import TableWriter, canonical_schema

        if not self.writers:
            self.writers = {
                name: TableWriter(
                    self.stage, name, canonical_schema(name, self.fields[name]), self.partitioned
                )
                for name in BIG_TABLES
            }
        return self.writers

    def _write(self, tables: dict[str, pa.Table]) -> None:
        writers = self._open()
        for name in BIG_TABLES:
            writers[name].write(tables[name])

    def _stop_streaming(self) -> None:
        if self.streaming:
            self.streaming = False
            for writer in self.writers.values():
                writer.discard()
            self.writers = {}


def _read_schema(data: bytes) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(data))


def _assemble(stage: Path, entries: Entries, big: BigTables, small: Spill, settings):
    """Assemble and write the small tables; returns the manifest."""
    from corpuskit import assembly
    from corpuskit.pipeline import load_dictionary, manifest

    sizes = dict(big.sizes)
    if not sizes["documents"]:
        raise BuildError("no document could be read from the inputs", entries.read())
    sizes.update(assembly.assemble(stage, small, big.partitioned, settings))
    sizes = {name: sizes[name] for name in schema.TABLE_NAMES}
    return manifest(settings, entries.read(), sizes, load_dictionary(settings.frames))


class Spill:
    """A list of byte strings kept in a file rather than in memory, read back in order."""

    def __init__(self, path: Path):
        self.path, self.sizes = path, []
        self._file = open(path, "wb")  # closed when read back

    def append(self, data: bytes) -> None:
        self._file.write(data)
        self.sizes.append(len(data))

    def blobs(self, keep: bool = False) -> Iterator[bytes]:
        """The byte strings in order; the file is deleted after the last unless `keep`."""
        if not self._file.closed:
            self._file.close()
        try:
            with open(self.path, "rb") as fh:
                for size in self.sizes:
                    yield fh.read(size)
        finally:
            if not keep:
                self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Delete the file unread."""
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


class Entries:
    """The manifest's per-file entries in input order, on disk in blocks until the manifest is
    written: at 100,000 files they are ~110 MB of small dicts the assembly's peak would add."""

    BLOCK = 1024

    def __init__(self, path: Path):
        self.spill, self.pending = Spill(path), []

    def append(self, entry: dict) -> None:
        self.pending.append(entry)
        if len(self.pending) >= self.BLOCK:
            self._flush()

    def read(self) -> list[dict]:
        """Every entry, in order (the spill is then deleted: read once)."""
        self._flush()
        return [entry for blob in self.spill.blobs() for entry in pickle.loads(blob)]

    def _flush(self) -> None:
        if self.pending:
            self.spill.append(pickle.dumps(self.pending, protocol=5))
            self.pending = []


def _small_tables(small: Iterable[bytes]) -> dict:
    """The per-file small tables, in order, as `assemble_small` takes them.

    Quotes, frame evidence and entities come as DataFrames, concatenated from each file's Arrow
    table (in batches, each made one contiguous table, so ten thousand files' tiny buffers are
    never all alive at once); document metadata as rows, as `assemble` gives them.
    """
    arrow = {name: _Concat() for name in ("quotes", "frame_evidence")}
    entities = _Entities()
    documents: list[dict] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many new objects, none of them garbage: skip the collector's scans
    try:
        for blob in small:
            parts = pickle.loads(blob)
            documents.extend(parts["documents"])
            arrow["quotes"].add(from_ipc(parts["quotes"]))
            arrow["frame_evidence"].add(from_ipc(parts["frame_evidence"]))
            entities.add(parts["entities"])
    finally:
        if gc_was_enabled:
            gc.enable()
    rows: dict = {"documents": documents}
    for name, concat in arrow.items():
        table = concat.table()
        # self_destruct: each column's Arrow buffers go as soon as it is converted
        rows[name] = table.to_pandas(self_destruct=True) if table is not None else []
        del table
    rows["entities"] = entities.result()
    release_memory()
    return rows


class _Entities:
    """Each file's entities in input order: Arrow tables concatenated, unless some file's came
    as rows (Arrow could not take them); from that file on, all are rows, as in memory."""

    def __init__(self):
        self.arrow = _Concat()
        self.rows: list[dict] | None = None

    def add(self, entities: bytes | list[dict]) -> None:
        if isinstance(entities, list) and self.rows is None:
            table = self.arrow.table()  # all rows from here on, in order
            self.rows = table.to_pylist() if table is not None else []
        if self.rows is None:
            self.arrow.add(from_ipc(entities))
        else:
            self.rows.extend(
                entities if isinstance(entities, list) else from_ipc(entities).to_pylist()
            )

    def result(self) -> pd.DataFrame | list[dict]:
        """All entities as a DataFrame, or as rows when some file's came as rows."""
        from corpuskit.columns import shared_lists

        if self.rows is not None:
            return self.rows
        table = self.arrow.table()
        if table is None:
            return []
        aliases = None
        if "aliases" in table.column_names and pa.types.is_list(table.schema.field("aliases").type):
            aliases = shared_lists(table.column("aliases"))
            table = table.drop_columns(["aliases"])
        frame = table.to_pandas(self_destruct=True)
        if aliases is not None:
            frame["aliases"] = aliases
        return frame


class _Concat:
    """Arrow tables appended one by one, concatenated (permissive type promotion) in batches."""

    BATCH = 512

    def __init__(self):
        self.batches: list[pa.Table] = []
        self.pending: list[pa.Table] = []

    def add(self, table: pa.Table) -> None:
        if table.num_rows:
            self.pending.append(table)
            if len(self.pending) >= self.BATCH:
                self._flush()

    def table(self) -> pa.Table | None:
        """All rows so far as one table, a chunk per batch (then empty); None if no rows."""
        self._flush()
        batches, self.batches = self.batches, []
        if not batches:
            return None
        # no copy into one contiguous table: conversion to pandas takes the chunks as they are
        return pa.concat_tables(batches, promote_options="permissive")

    def _flush(self) -> None:
        if self.pending:
            self.batches.append(_concat(self.pending))
            self.pending = []


def _concat(tables: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(tables, promote_options="permissive").combine_chunks()
