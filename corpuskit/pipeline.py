"""The build pipeline: read -> segment -> quotes -> speakers -> features, per file then per corpus.

Per-file work (`process_file`) is independent and runs in any order or process; corpus-level
work (`assemble`) merges speakers across documents and scores them. Both are pure functions
of their inputs and the settings, so any engine gives the same tables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from corpuskit import __version__, schema, segment
from corpuskit.errors import BuildError, UsageError
from corpuskit.text import count_words


@dataclass(frozen=True)
class Settings:
    """Build settings; every field is recorded in the manifest."""

    frames: str | None = None  # frame dictionary (.yaml/.dic); None = built-in use-of-force
    speakers: str | None = None  # speaker metadata file (.csv/.yaml) to fix or enrich speakers
    frame_model: str | None = None  # a model saved by `corpuskit frames train`
    seed: int = 0  # seed of every bootstrap interval
    n_boot: int = 1000  # bootstrap resamples per interval
    jobs: int = 1  # worker processes for the per-file stage (0: one per core)
    progress: bool = True  # progress bar on stderr for long builds
    engine: str = "local"  # "local" (process pool) or "dask" (dask.distributed)
    scheduler: str | None = None  # Dask scheduler address; None starts a LocalCluster
    chunk_size: int = 0  # files per task sent to a worker (0: chosen from the number of files)
    cache: bool = True  # keep per-file results in DIR/.cache to reuse in the next build


@dataclass
class FileResult:
    """What one input file contributes: its manifest entry and its rows per table."""

    entry: dict
    rows: dict[str, list[dict]] = field(default_factory=dict)


ROW_TABLES = ("documents", "paragraphs", "sentences", "quotes", "entities", "frame_evidence")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=8)
def load_dictionary(path: str | None):
    """The frame dictionary for `path` (built-in when None), loaded once per process."""
    from corpuskit.frames import FrameDictionary

    return FrameDictionary.load(path)


def process_document(doc: dict, dictionary) -> dict[str, list[dict]]:
    """Segment one document, find its quotes and score its sentences and quotes."""
    from corpuskit import quotes as quotes_stage
    from corpuskit import sentiment
    from corpuskit.readers import PARAGRAPHS_KEY

    doc_id, text = doc["doc_id"], doc["text"]
    paras = doc.get(PARAGRAPHS_KEY)  # segmented already by the reader, when it needed them
    if paras is None:
        paras = segment.paragraphs(text)
    sents = segment.sentences(text, paras)
    sent_scores = sentiment.score_spans(text, [(s, e) for _, s, e in sents])
    out: dict[str, list[dict]] = {t: [] for t in ROW_TABLES}
    out["paragraphs"] = [
        {
            "doc_id": doc_id,
            "paragraph": i,
            "text": text[s:e],
            "start": s,
            "end": e,
            "is_heading": h,
        }
        for i, (s, e, h) in enumerate(paras)
    ]
    counters: dict[int, int] = {}
    for (p, s, e), score in zip(sents, sent_scores, strict=True):
        n = counters.get(p, 0)
        counters[p] = n + 1
        out["sentences"].append(
            {
                "doc_id": doc_id,
                "paragraph": p,
                "sentence": n,
                "text": text[s:e],
                "start": s,
                "end": e,
                "sentiment": score,
            }
        )
    quote_rows, entity_rows = quotes_stage.extract(text, paras, doc.get("meta", {}))
    quote_scores = sentiment.score_spans(text, [(q["start"], q["end"]) for q in quote_rows])
    for i, (q, score) in enumerate(zip(quote_rows, quote_scores, strict=True)):
        qid = f"{doc_id}#q{i}"
        q_text = text[q["start"] : q["end"]]
        q.update(
            doc_id=doc_id, quote_id=qid, text=q_text, n_words=count_words(q_text), sentiment=score
        )
        for m in dictionary.find(q_text):
            out["frame_evidence"].append(
                {
                    "doc_id": doc_id,
                    "quote_id": qid,
                    "frame": m["frame"],
                    "term": m["term"],
                    "match": m["match"],
                    "start": q["start"] + m["start"],
                    "end": q["start"] + m["end"],
                    "rejected": m["rejected"],
                    "cue": m.get("cue"),
                }
            )
    out["quotes"] = quote_rows
    out["entities"] = [dict(e, doc_id=doc_id) for e in entity_rows]
    return out


def process_file(
    path: Path, root: Path, doc_prefix: str, sha: str, settings: Settings
) -> FileResult:
    """Read one file and process each of its documents; never raises for bad input."""
    from corpuskit import readers as read_stage

    entry, docs = read_stage.read_file(path, root, doc_prefix)
    entry["sha256"] = sha
    result = FileResult(entry=entry, rows={t: [] for t in ROW_TABLES})
    if entry["status"] != "ok":
        return result
    dictionary = load_dictionary(settings.frames)
    for doc in docs:
        text = doc["text"]
        result.rows["documents"].append(
            {
                "doc_id": doc["doc_id"],
                "source": doc["source"],
                "date": doc.get("date"),
                "title": doc.get("title"),
                "text": text,
                "n_words": count_words(text),
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                **{
                    k: v
                    for k, v in doc.get("meta", {}).items()
                    if k not in schema.TABLES["documents"]
                },
            }
        )
        for table, rows in process_document(doc, dictionary).items():
            result.rows[table].extend(rows)
    entry["doc_id"] = docs[0]["doc_id"] if docs else None
    entry["n_documents"] = len(docs)
    return result


def plan(inputs: list[str]) -> list[dict]:
    """Every file met under `inputs`, sorted, hashed, with duplicates (same sha256) marked."""
    from corpuskit import readers as read_stage

    files = read_stage.discover(inputs)
    seen: dict[str, str] = {}
    prefixes: set[str] = set()
    jobs = []
    for path, root, shown in files:
        sha = sha256_file(path)
        job = {"path": path, "root": root, "shown": shown, "sha256": sha}
        if sha in seen:
            job["duplicate_of"] = seen[sha]
        else:
            seen[sha] = shown
            prefix = read_stage.doc_prefix(path, root)
            base, n = prefix, 2
            while prefix in prefixes:
                prefix, n = f"{base}~{n}", n + 1
            prefixes.add(prefix)
            job["prefix"] = prefix
        jobs.append(job)
    return jobs


def run_local(jobs: list[dict], settings: Settings) -> list[FileResult]:
    """Process files in this process, a pool of `settings.jobs` processes or on Dask, in input order."""
    from corpuskit import engine

    todo = [j for j in jobs if "duplicate_of" not in j]
    args = [(j["path"], j["root"], j["prefix"], j["sha256"], settings) for j in todo]
    return list(engine.map_files(engine.process_files, args, settings))


def collect(
    jobs: list[dict], results: list[FileResult]
) -> tuple[list[dict], dict[str, list[dict]]]:
    """The manifest entries of all inputs (duplicates included) and the rows of every table."""
    by_path = {r.entry["path"]: r for r in results}
    rows: dict[str, list[dict]] = {t: [] for t in ROW_TABLES}
    inputs = []
    for job in jobs:
        if "duplicate_of" in job:
            inputs.append(duplicate_entry(job))
            continue
        result = by_path[job["shown"]]
        inputs.append(result.entry)
        for table, table_rows in result.rows.items():
            rows[table].extend(table_rows)
    return inputs, rows


def duplicate_entry(job: dict) -> dict:
    """Manifest entry of a file skipped because an earlier input has the same bytes."""
    return {
        "path": job["shown"],
        "sha256": job["sha256"],
        "status": "skipped",
        "reason": f"duplicate of {job['duplicate_of']}",
        "doc_id": None,
    }


def assemble(jobs: list[dict], results: list[FileResult], settings: Settings):
    """Merge per-file rows into the corpus tables, resolve speakers across documents, score them."""
    from corpuskit.corpus import Corpus

    inputs, rows = collect(jobs, results)
    if not rows["documents"]:
        raise BuildError("no document could be read from the inputs", inputs)
    documents = schema.frame("documents", rows["documents"])
    corpus = Corpus(
        documents=documents,
        paragraphs=schema.frame("paragraphs", rows["paragraphs"]),
        sentences=schema.frame("sentences", rows["sentences"]),
        **assemble_small(rows, documents, settings),
    )
    model_meta = None
    if settings.frame_model:
        from corpuskit import classify

        model, model_meta = classify.load_model(settings.frame_model)
        corpus = classify.apply_to_corpus(corpus, model, settings)
    dictionary = load_dictionary(settings.frames)
    corpus.manifest = manifest(settings, inputs, corpus, dictionary, frame_model=model_meta)
    return corpus


def assemble_small(
    rows: dict[str, list[dict]], documents: pd.DataFrame, settings: Settings
) -> dict:
    """The corpus-level tables: quotes with speakers resolved across documents, speakers,
    speaker features and frame evidence, from the per-file rows of quotes, entities and evidence.

    Needs only the small tables (and `documents`), so a streaming build can call it after
    writing the big tables (documents, paragraphs, sentences) to disk.
    """
    tables = dict(small_tables(rows, documents, settings))
    return {
        name: tables[name] for name in ("quotes", "speakers", "speaker_features", "frame_evidence")
    }


def small_tables(
    rows: dict[str, list[dict]], documents: pd.DataFrame, settings: Settings
) -> Iterator[tuple[str, pd.DataFrame]]:
    """`assemble_small`'s tables one by one, each as soon as it is final, as (name, table):
    quotes, speakers, frame_evidence, speaker_features. A streaming build writes each and lets
    it go before the next is computed. `rows` may hold DataFrames instead of lists of rows; its
    tables are taken out of it as they are used, so that memory is freed early.
    """
    from corpuskit import features, speakers

    dictionary = load_dictionary(settings.frames)
    quotes = schema.frame("quotes", rows.pop("quotes"))
    entities = speakers.index_entities(pd.DataFrame(rows.pop("entities")))
    speaker_meta = speakers.load_metadata(settings.speakers) if settings.speakers else None
    quotes, speaker_table = speakers.build(quotes, entities, documents, speaker_meta)
    del entities
    quotes = schema.frame("quotes", quotes)
    yield "quotes", quotes
    yield "speakers", speaker_table
    # the quote text and offsets are written: keep only what features and evidence need
    quotes = quotes[features.needed_columns(quotes)]

    evidence = pd.DataFrame(rows.pop("frame_evidence"))
    if len(evidence):
        who = quotes.set_index("quote_id")[["speaker_id", "speaker"]]
        evidence = evidence.join(who, on="quote_id")
        del who
    evidence = schema.frame("frame_evidence", evidence)
    yield "frame_evidence", evidence

    feats = features.speaker_features(
        quotes, speaker_table, evidence, dictionary, seed=settings.seed, n_boot=settings.n_boot
    )
    yield "speaker_features", feats


# Settings that change how a build runs, never what it produces: left out of the manifest.
RUN_SETTINGS = ("jobs", "progress", "engine", "scheduler", "chunk_size", "cache")


def manifest(
    settings: Settings, inputs: list[dict], corpus, dictionary, frame_model: dict | None = None
) -> dict:
    """Provenance of a build: versions, settings, lexicons, every input file and table sizes.

    `corpus` is a Corpus, or the table sizes by name (a streaming build has no Corpus).
    """
    from corpuskit import lexicons

    sizes = (
        corpus if isinstance(corpus, dict) else {n: len(df) for n, df in corpus.tables().items()}
    )
    result = {
        "corpuskit": __version__,
        "settings": {k: v for k, v in asdict(settings).items() if k not in RUN_SETTINGS},
        "lexicons": lexicons.versions(dictionary),
        "inputs": inputs,
        "tables": {name: int(n) for name, n in sizes.items()},
    }
    if frame_model is not None:
        result["frame_model"] = frame_model  # the applied model's provenance
    return result


def build(inputs: list[str], settings: Settings | None = None):
    """Build a Corpus from files, folders or globs."""
    settings = settings or Settings()
    jobs = plan(inputs)
    if not jobs:
        raise UsageError("no input files found in: " + " ".join(inputs))
    results = run_local(jobs, settings)
    return assemble(jobs, results, settings)
