"""Execution engines: run `process_file` over many files on a process pool or on Dask, stream
the big tables to Parquet as results arrive, and reuse the results of unchanged files.

`build_dir` is the `corpuskit build` path. Per-file work runs in parallel, in chunks of files;
its results come back in input order, are kept in `DIR/.cache` a chunk at a time (the next
build reuses them file by file) and written out as Parquet row groups of a fixed size, so the
tables are the same bytes whatever the number of jobs, the chunk size or the engine. The small
tables that need corpus-level work (quotes, entities, frame evidence) are spilled to disk as
they come and assembled at the end by `assembly.assemble`.
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


def map_files(
    fn: Callable[[list], list], items: list, settings, runs: list[int] | None = None
) -> Iterator:
    """`fn` over `items` in chunks on the settings' engine; yields one result per item, in order.
    `runs`: lengths of consecutive runs of items that no chunk may span (default: one run)."""
    if settings.engine not in ENGINES:
        raise UsageError(f"unknown engine {settings.engine!r} (choose from {', '.join(ENGINES)})")
    from corpuskit.progress import progress

    n = workers(settings)
    size = chunk_size(len(items), n, settings.chunk_size)
    chunks, start = [], 0
    for length in runs if runs is not None else [len(items)]:
        end = start + length
        chunks += [items[i : min(i + size, end)] for i in range(start, end, size)]
        start = end
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


def process_files_for_disk(args_list: list[tuple]) -> list[tuple[dict, bytes | None]]:
    """`process_file` over a chunk of files, packed in units for the cache (runs in a worker).

    Each file gives (info, unit): `info` holds its manifest entry, the columns of its big
    tables and where its rows lie in its unit's tables; `unit` is None but on a unit's last
    file, where it is the unit's tables packed by `_unit_blob`. The chunk is one unit when each
    table can be made Arrow for all its files at once, else each file is a unit of its own.
    """
    from corpuskit.pipeline import process_file

    delay = float(os.environ.get(DELAY_ENV, "0") or 0)
    results = []
    for args in args_list:
        if delay:
            time.sleep(delay)
        results.append(process_file(*args))
    tables = _together(results)
    if tables is not None:
        return _pack_unit(results, tables)
    return [packed for result in results for packed in _pack_unit([result], _alone(result))]


# the small tables that go as Arrow (document metadata goes as rows)
_SMALL_ARROW = ("quotes", "frame_evidence", "entities")
_ROW_TABLES = (*BIG_TABLES, *_SMALL_ARROW)  # where a file's rows lie in its unit, per table


def _together(results: list) -> dict[str, pa.Table] | None:
    """The files' tables, each made Arrow once for all of them: converting rows costs mostly
    per call, and per file it took a third of a worker's time. None when some table could not
    be made that way (columns beyond the contract, rows differing in keys, values Arrow cannot
    type), or for a single file: each file is then converted on its own (`_alone`)."""
    from corpuskit.corpus import direct_arrow_rows

    if len(results) < 2:
        return None
    tables = {}
    for name in _ROW_TABLES:
        rows = [row for result in results for row in result.rows[name]]
        if name in BIG_TABLES:
            table = direct_arrow_rows(name, rows)  # as `_alone` makes them
        else:
            table = _from_pylist(rows) if rows else pa.table({})
        if table is None:
            return None
        tables[name] = table
    return tables


def _alone(result) -> dict[str, pa.Table | list[dict]]:
    """One file's tables as Arrow, through pandas where Arrow cannot type the rows; entities
    stay rows when Arrow cannot take them (the corpus then builds them from rows, as the
    in-memory path does)."""
    from corpuskit.corpus import arrow_rows

    # without the pandas metadata (a kilobyte per table): the writers have the canonical schema
    tables: dict = {name: arrow_rows(name, result.rows[name]) for name in BIG_TABLES}
    tables["quotes"] = _rows_to_arrow(result.rows["quotes"])
    tables["frame_evidence"] = _rows_to_arrow(result.rows["frame_evidence"])
    entities = _entities_to_arrow(result.rows["entities"])
    tables["entities"] = entities if entities is not None else result.rows["entities"]
    return tables


def _pack_unit(results: list, tables: dict) -> list[tuple[dict, bytes | None]]:
    """The files of one unit, whose tables hold all their rows one file after another, as
    `process_files_for_disk` gives them."""
    schemas = {name: tables[name].schema.serialize().to_pybytes() for name in BIG_TABLES}
    starts = dict.fromkeys(_ROW_TABLES, 0)
    infos, documents = [], []
    for result in results:
        rows = {}
        for name in _ROW_TABLES:
            n = len(result.rows[name])
            rows[name] = (starts[name], starts[name] + n)
            starts[name] += n
        infos.append({"entry": result.entry, "schemas": schemas, "rows": rows})
        documents.extend(_documents(result))
    unit = _unit_blob(infos, tables, documents)
    return [(info, None) for info in infos[:-1]] + [(infos[-1], unit)]


def _unit_blob(infos: list[dict], tables: dict, documents: list[dict]) -> bytes:
    """A unit as the cache keeps it and the build takes it: its files' infos, the big tables as
    Arrow streams and the small tables as one blob (`_small_blob`), ready for the spill."""
    big = {name: to_ipc(tables[name]) for name in BIG_TABLES}
    return pickle.dumps(
        {"files": infos, "big": big, "small": _small_blob(tables, documents)}, protocol=5
    )


def _small_blob(tables: dict, documents: list[dict]) -> bytes:
    """The small tables of one or more files as the spill keeps them: Arrow streams for quotes
    and evidence, and for entities unless they are rows; document metadata as rows."""
    small: dict = {
        name: tables[name] if isinstance(tables[name], list) else to_ipc(tables[name])
        for name in _SMALL_ARROW
    }
    small["documents"] = documents
    return pickle.dumps(small, protocol=5)


def _unit_rows(unit: dict, first: int, stop: int) -> tuple[dict[str, pa.Table], bytes]:
    """The big tables and the small blob of files first..stop-1 of a unit (as `FileCache.load`
    gives it): the unit's own when they are all its files, else slices of its tables."""
    files = unit["files"]
    big = {name: from_ipc(data) for name, data in unit["big"].items()}
    if first == 0 and stop == len(files):
        return big, unit["small"]
    lo, hi = files[first]["rows"], files[stop - 1]["rows"]

    def part(name: str, values):
        start, end = lo[name][0], hi[name][1]
        return values[start:end] if isinstance(values, list) else values.slice(start, end - start)

    small = pickle.loads(unit["small"])
    tables = {name: part(name, table) for name, table in big.items()}
    for name in _SMALL_ARROW:
        values = small[name]
        tables[name] = part(name, values if isinstance(values, list) else from_ipc(values))
    documents = part("documents", small["documents"])  # a metadata row per document row
    return {name: tables[name] for name in BIG_TABLES}, _small_blob(tables, documents)


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


# lz4 for the cache's units (kept on disk; they also carry the workers' results to the build): a
# third of the size, quick to read. No threads: the workers keep every core busy already. What
# only this build's assembly reads back (its batches) is not compressed.
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4", use_threads=False)
_IPC_PLAIN = pa.ipc.IpcWriteOptions(use_threads=False)
_IPC_READ = pa.ipc.IpcReadOptions(use_threads=False)


def to_ipc(table: pa.Table, compress: bool = True) -> bytes:
    """`table` as an Arrow IPC stream: far quicker to load than a pickled table."""
    sink = pa.BufferOutputStream()
    options = _IPC_OPTIONS if compress else _IPC_PLAIN
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
    settings used per file. Files processed together (a unit) are kept together, in a file
    named after their keys; the index says where each key's result is: a record per unit,
    appended once the unit is on disk, so a killed build's cache is good as far as it got.
    Units of earlier builds are hard-linked in from `previous`.
    """

    INDEX = "index"

    def __init__(self, folder: Path, previous: Iterable[Path] = ()):
        self.folder = folder
        self.previous = [p for p in previous if p is not None and p.is_dir()]
        self.places: dict[str, tuple[str, int]] = {}  # key -> (unit, the file's place in it)
        folder.mkdir(parents=True, exist_ok=True)

    def find(self, keys: list[str]) -> dict[str, bool]:
        """Whether each key is cached, bringing units in from earlier builds' caches."""
        carried: dict[str, list[tuple[str, int]]] = {}  # unit -> its (key, place) taken
        for folder in self.previous:
            theirs = read_index(folder / self.INDEX)
            for key in keys:
                place = theirs.get(key) if key not in self.places else None
                if place is None:
                    continue
                unit, position = place
                if unit not in carried:
                    if not (folder / unit).is_file():
                        continue  # its unit was deleted: the file is processed again
                    if not (self.folder / unit).exists():
                        _link_or_copy(folder / unit, self.folder / unit)
                    carried[unit] = []
                carried[unit].append((key, position))
                self.places[key] = place
        self._append(list(carried.items()))
        return {key: key in self.places for key in keys}

    def store(self, keys: list[str], unit: bytes) -> None:
        """Save the unit of files `keys` (in order); it appears whole or not at all."""
        name = hashlib.sha256("\n".join(keys).encode()).hexdigest() + ".unit"
        path = self.folder / name
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(unit)
        os.replace(tmp, path)
        members = [(key, position) for position, key in enumerate(keys)]
        self._append([(name, members)])
        self.places.update((key, (name, position)) for key, position in members)

    def load(self, unit: str) -> dict:
        """A unit as `_unit_blob` packed it."""
        return pickle.loads((self.folder / unit).read_bytes())

    def _append(self, records: list[tuple[str, list[tuple[str, int]]]]) -> None:
        if records:
            frames = []
            for record in records:
                data = pickle.dumps(record, protocol=5)
                frames += [len(data).to_bytes(8, "little"), data]
            with open(self.folder / self.INDEX, "ab") as index:
                index.write(b"".join(frames))


def read_index(path: Path) -> dict[str, tuple[str, int]]:
    """Key -> (unit, place) from a cache's index. A record cut short (a killed build) or not
    readable ends it: the files after it are processed again."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    places: dict[str, tuple[str, int]] = {}
    at = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at : at + 8], "little")
        if at + 8 + size > len(data):
            break
        try:
            unit, members = pickle.loads(data[at + 8 : at + 8 + size])
            places.update((str(key), (str(unit), int(place))) for key, place in members)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            break
        at += 8 + size
    return places


class UnitReader:
    """Reused files' rows, consecutive files of a unit at once: each call to `add` gives a
    file's info and, when the file does not continue the run before it, that run's rows."""

    def __init__(self, cache: FileCache):
        self.cache = cache
        self.name: str | None = None
        self.unit: dict = {}
        self.first = self.stop = 0

    def add(self, key: str) -> tuple[dict, tuple[dict, bytes] | None]:
        name, position = self.cache.places[key]
        done = None
        if name != self.name or position != self.stop:
            done = self.take()
            if name != self.name:
                self.name, self.unit = name, self.cache.load(name)
            self.first = position
        self.stop = position + 1
        return self.unit["files"][position], done

    def take(self) -> tuple[dict, bytes] | None:
        """The rows of the run so far (big tables, small blob), or None; the run is then empty."""
        if self.first == self.stop:
            return None
        rows = _unit_rows(self.unit, self.first, self.stop)
        self.first = self.stop
        return rows


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

    Returns (manifest entries, BigTables, the small tables of each unit), both spilled to disk.
    """
    from corpuskit.pipeline import duplicate_entry

    keys = [None if "duplicate_of" in job else file_key(job, fingerprint) for job in jobs]
    reused = cache.find([key for key in keys if key])
    todo = [job for job, key in zip(jobs, keys, strict=True) if key and not reused[key]]
    args = [(j["path"], j["root"], j["prefix"], j["sha256"], settings) for j in todo]
    # a unit of work never spans a reused file, so that its rows are written all at once
    results = map_files(process_files_for_disk, args, settings, _fresh_runs(keys, reused))
    big = BigTables(stage, settings.engine == "dask")
    entries, small = Entries(stage / ".entries.spill"), Spill(stage / ".small.spill")
    reader = UnitReader(cache)
    unit_keys: list[str] = []  # the fresh files of the unit being received

    def write(rows: tuple[dict, bytes] | None) -> None:
        if rows is not None:
            big.write_tables(rows[0])
            small.append(rows[1])

    for job, key in zip(jobs, keys, strict=True):
        if key is None:
            entries.append(duplicate_entry(job))
            continue
        unit = None
        if reused[key]:
            info, done = reader.add(key)
        else:
            done = reader.take()
            info, unit = next(results)
            unit_keys.append(key)
        write(done)
        entries.append(dict(info["entry"], reused=reused[key]))
        big.add(key, info["schemas"])
        if unit is not None:  # the unit's last file: all its files are here
            cache.store(unit_keys, unit)
            unit_keys = []
            packed = pickle.loads(unit)
            write(_unit_rows(packed, 0, len(packed["files"])))
    write(reader.take())
    results.close()  # shut the worker pool down now: its memory is not needed for assembly
    _stop_forkserver()
    big.finish(cache)
    cache.places = {}  # a few hundred bytes a file, which assembly does not need
    release_memory()  # the written tables' buffers and the results' bytes, before assembly
    return entries, big, small


def _fresh_runs(keys: list[str | None], reused: dict[str, bool]) -> list[int]:
    """The lengths of the runs of files to process that follow one another in input order
    (duplicates, which have no rows, do not break a run)."""
    runs = [0]
    for key in keys:
        if key is not None and reused[key]:
            runs.append(0)
        elif key is not None:
            runs[-1] += 1
    return [length for length in runs if length]


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
        its rows come through `write_tables`."""
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

    def write_tables(self, tables: dict[str, pa.Table]) -> None:
        """Write the rows of consecutive files at once."""
        if self.streaming:
            self._write(tables)

    def finish(self, cache: FileCache) -> None:
        """Close the tables, rewriting them from the cache if the columns changed mid-way."""
        if not self.streaming:
            reader = UnitReader(cache)
            for rows in [*(reader.add(key)[1] for key in self.keys), reader.take()]:
                if rows is not None:
                    self._write(rows[0])
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
