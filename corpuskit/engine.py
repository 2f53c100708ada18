"""Execution engines: run `process_file` over many files on a process pool or on Dask, stream
the big tables to Parquet as results arrive, and reuse the results of unchanged files.

`build_dir` is the `corpuskit build` path. Per-file work runs in parallel, in chunks of files;
its results come back in input order, are kept per file in `DIR/.cache` (the next build reuses
them) and written out as Parquet row groups of a fixed size, so the tables are the same bytes
whatever the number of jobs, the chunk size or the engine. Only the small tables that need
corpus-level work (quotes, entities, frame evidence) are held until the end, for `assemble_small`.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from corpuskit import __version__, schema
from corpuskit.errors import BuildError, UsageError

BIG_TABLES = ("documents", "paragraphs", "sentences")  # streamed to disk file by file
SMALL_TABLES = ("quotes", "entities", "frame_evidence")  # kept for corpus-level assembly
CACHE_DIR = ".cache"
ENGINES = ("local", "dask")
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
    elif n > 1 and len(chunks) > 1:
        results = _map_pool(fn, chunks, n)
    else:
        results = map(fn, chunks)
    flat = (r for chunk in results for r in chunk)
    yield from progress(flat, len(items), settings.progress)


def _map_pool(fn, chunks: list[list], n_workers: int) -> Iterator[list]:
    """Chunks on a pool of processes, at most two per worker in flight, results in order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forkserver: workers fork from a clean single-threaded server, never from a parent that
    # runs Arrow or tqdm threads; preloading makes each worker start without re-importing.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["corpuskit.pipeline", "corpuskit.engine"])
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
        yield from _windowed(pool.submit, fn, chunks, 2 * n_workers)


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


def process_files_for_disk(args_list: list[tuple]) -> list[tuple[bytes, bytes]]:
    """`process_file` over a chunk of files, each result packed for the cache (runs in a worker).

    Per file: (meta, tables) bytes. `meta` holds the manifest entry, the Arrow schemas of the
    big tables and the rows of the small ones; `tables` the big tables as Arrow.
    """
    from corpuskit.corpus import arrow_rows
    from corpuskit.pipeline import process_file

    delay = float(os.environ.get(DELAY_ENV, "0") or 0)
    out = []
    for args in args_list:
        if delay:
            time.sleep(delay)
        result = process_file(*args)
        tables = {name: arrow_rows(name, result.rows[name]) for name in BIG_TABLES}
        small = {
            # quotes and evidence as Arrow: a fraction of the memory of rows, at corpus scale
            "quotes": arrow_rows("quotes", result.rows["quotes"]),
            "frame_evidence": pa.Table.from_pylist(result.rows["frame_evidence"]),
            "entities": result.rows["entities"],
            # documents without their text: what corpus-level assembly needs of them
            "documents": [
                {k: v for k, v in row.items() if k != "text"} for row in result.rows["documents"]
            ],
        }
        meta = {
            "entry": result.entry,
            "schemas": {name: t.schema.remove_metadata() for name, t in tables.items()},
            "small": pickle.dumps(small, protocol=5),
        }
        out.append((pickle.dumps(meta, protocol=5), pickle.dumps(tables, protocol=5)))
    return out


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

    def _files(self, folder: Path, key: str) -> tuple[Path, Path]:
        return folder / f"{key}.meta.pkl", folder / f"{key}.tables.pkl"

    def lookup(self, key: str) -> bool:
        """Whether `key` is cached, bringing it in from a previous build's cache if needed."""
        mine = self._files(self.folder, key)
        if all(f.is_file() for f in mine):
            return True
        for folder in self.previous:
            theirs = self._files(folder, key)
            if all(f.is_file() for f in theirs):
                for src, dst in zip(theirs, mine, strict=True):
                    _link_or_copy(src, dst)
                return True
        return False

    def store(self, key: str, meta: bytes, tables: bytes) -> None:
        """Save a file's result; each file appears whole or not at all."""
        for path, data in zip(self._files(self.folder, key), (meta, tables), strict=True):
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)

    def meta(self, key: str) -> dict:
        return pickle.loads(self._files(self.folder, key)[0].read_bytes())

    def tables(self, key: str) -> dict[str, pa.Table]:
        return pickle.loads(self._files(self.folder, key)[1].read_bytes())


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
    from corpuskit.corpus import replace_dir, staging_dir, write_manifest
    from corpuskit.pipeline import build, load_dictionary, plan

    out = Path(out)
    partitioned = settings.engine == "dask"
    if settings.frame_model:
        # a frame model is applied to the whole corpus at once: build it in memory
        corpus = build(inputs, settings)
        corpus.to_parquet(out, partitioned=partitioned)
        return corpus.manifest
    jobs = plan(inputs)
    if not jobs:
        raise UsageError("no input files found in: " + " ".join(inputs))

    resume = _keep_interrupted_cache(out)
    stage = staging_dir(out)
    try:
        previous = [out / CACHE_DIR, resume] if settings.cache else []
        cache = FileCache(stage / CACHE_DIR, previous)
        dictionary = load_dictionary(settings.frames)
        keys, inputs_meta = _process(jobs, cache, build_fingerprint(settings, dictionary), settings)
        manifest = _write_tables(stage, jobs, keys, inputs_meta, cache, settings, partitioned)
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


def _process(jobs: list[dict], cache: FileCache, fingerprint: str, settings):
    """Process the files not in the cache; returns (key per job, {key: reused}) in job order."""
    keys: list[str | None] = []
    reused: dict[str, bool] = {}
    todo = []
    for job in jobs:
        if "duplicate_of" in job:
            keys.append(None)
            continue
        key = file_key(job, fingerprint)
        keys.append(key)
        if key not in reused:
            reused[key] = cache.lookup(key)
            if not reused[key]:
                todo.append((key, job))
    args = [(j["path"], j["root"], j["prefix"], j["sha256"], settings) for _, j in todo]
    results = map_files(process_files_for_disk, args, settings)
    for (key, _), (meta, tables) in zip(todo, results, strict=True):
        cache.store(key, meta, tables)
    return keys, reused


def _write_tables(stage: Path, jobs, keys, reused, cache: FileCache, settings, partitioned) -> dict:
    """Write the big tables file by file from the cache, then assemble and write the small ones."""
    from corpuskit.corpus import TableWriter, arrow_table, canonical_schema
    from corpuskit.pipeline import assemble_small, duplicate_entry, load_dictionary, manifest

    inputs, ordered = [], []
    fields: dict[str, pa.Schema] = {}
    for job, key in zip(jobs, keys, strict=True):
        if key is None:
            inputs.append(duplicate_entry(job))
            continue
        meta = cache.meta(key)
        inputs.append(dict(meta["entry"], reused=reused[key]))
        ordered.append(key)
        for name, file_fields in meta["schemas"].items():
            known = fields.get(name)
            if known is None:
                fields[name] = file_fields
            elif not known.equals(file_fields):
                fields[name] = pa.unify_schemas([known, file_fields], promote_options="permissive")
    writers = {
        name: TableWriter(stage, name, canonical_schema(name, fields[name]), partitioned)
        for name in BIG_TABLES
    }
    for key in ordered:
        for name, table in cache.tables(key).items():
            writers[name].write(table)
    sizes = {name: writer.close() for name, writer in writers.items()}
    if not sizes["documents"]:
        raise BuildError("no document could be read from the inputs")

    rows = _small_tables(cache, ordered)
    small = assemble_small(rows, schema.frame("documents", rows["documents"]), settings)
    for name, df in small.items():
        table = arrow_table(name, df)
        with TableWriter(stage, name, table.schema, partitioned) as writer:
            writer.write(table)
        sizes[name] = writer.n_rows
    sizes = {name: sizes[name] for name in schema.TABLE_NAMES}
    return manifest(settings, inputs, sizes, load_dictionary(settings.frames))


def _small_tables(cache: FileCache, keys: list[str]) -> dict:
    """The per-file small tables of `keys`, in order, as `assemble_small` takes them.

    Quotes and frame evidence come as DataFrames, concatenated from each file's Arrow
    table; entities and document metadata as rows, as `assemble` gives them.
    """
    arrow: dict[str, list[pa.Table]] = {"quotes": [], "frame_evidence": []}
    rows: dict[str, list] = {"entities": [], "documents": []}
    for key in keys:
        small = pickle.loads(cache.meta(key)["small"])
        for name, part in small.items():
            if name in arrow:
                if part.num_rows:
                    arrow[name].append(part)
            else:
                rows[name].extend(part)
    for name, parts in arrow.items():
        table = pa.concat_tables(parts, promote_options="permissive") if parts else None
        rows[name] = table.to_pandas() if table is not None else []
    return rows
