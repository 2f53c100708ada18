"""The engines: same tables whatever the jobs, chunk size or engine; reuse; interrupted builds."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from corpuskit import assembly, engine, schema
from corpuskit.cli import main
from corpuskit.corpus import Corpus, read, recover_dir
from corpuskit.pipeline import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _generator():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    """50 generated articles plus the seeds, in one folder."""
    folder = tmp_path_factory.mktemp("inputs")
    _generator().generate(folder / "generated", 50, per_folder=20)
    shutil.copytree(SEEDS, folder / "seeds")
    return folder


def build(inputs, out: Path, *options: str) -> int:
    return main(["build", *map(str, inputs), "--out", str(out), "--no-progress", *options])


def table_bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / f"{name}.parquet").read_bytes() for name in schema.TABLE_NAMES}


def inputs_of(out: Path) -> list[dict]:
    return json.loads((out / "manifest.json").read_text())["inputs"]


@pytest.fixture(scope="module")
def reference(corpus_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "out"
    assert build([corpus_dir], out, "--jobs", "1") == 0
    return out


def test_generated_corpus_is_deterministic_and_news_like(tmp_path):
    generate = _generator()
    text = generate.article(0, 7)
    assert text == generate.article(0, 7) != generate.article(1, 7)
    assert text.startswith(" date 2025-") and "“" in text and "\n\n" in text


@pytest.mark.parametrize("options", [("--jobs", "2"), ("--jobs", "2", "--chunk-size", "3")])
def test_jobs_and_chunk_size_give_the_same_bytes(corpus_dir, reference, tmp_path, options):
    out = tmp_path / "out"
    assert build([corpus_dir], out, *options) == 0
    assert table_bytes(out) == table_bytes(reference)


def test_seeds_alone_same_bytes_with_one_or_two_jobs(tmp_path):
    assert build([SEEDS], tmp_path / "a", "--jobs", "1") == 0
    assert build([SEEDS], tmp_path / "b", "--jobs", "2", "--chunk-size", "1") == 0
    assert table_bytes(tmp_path / "a") == table_bytes(tmp_path / "b")


def test_streamed_build_has_the_bytes_of_the_in_memory_corpus(corpus_dir, reference, tmp_path):
    corpus = read(corpus_dir, progress=False)
    corpus.to_parquet(tmp_path / "memory")
    assert table_bytes(tmp_path / "memory") == table_bytes(reference)
    assert len(corpus.documents) == 51


def test_row_groups_are_bounded(reference):
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(reference / "sentences.parquet").metadata
    rows = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sum(rows) == len(pd.read_parquet(reference / "sentences.parquet"))
    assert max(rows) <= 50_000


def test_rebuild_reuses_unchanged_files_and_reprocesses_changed_ones(corpus_dir, tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(corpus_dir, inputs)
    out = tmp_path / "out"
    assert build([inputs], out, "--jobs", "1") == 0
    first = table_bytes(out)
    assert not any(e["reused"] for e in inputs_of(out))

    assert build([inputs], out, "--jobs", "1") == 0
    assert all(e["reused"] for e in inputs_of(out))
    assert table_bytes(out) == first

    changed = inputs / "seeds" / sorted(os.listdir(inputs / "seeds"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new closing line.\n", "utf-8")
    assert build([inputs], out, "--jobs", "2") == 0
    fresh = tmp_path / "fresh"
    assert build([inputs], fresh, "--jobs", "1", "--no-cache") == 0
    reprocessed = [e["path"] for e in inputs_of(out) if not e["reused"]]
    assert reprocessed == [str(changed)]
    assert table_bytes(out) == table_bytes(fresh)
    assert not (fresh / ".cache").exists()


def test_rebuild_with_changed_files_between_reused_ones_keeps_input_order(corpus_dir, tmp_path):
    """Two changed files with an unchanged one between them land in one chunk of work; their
    rows must still be written around the reused file's, in input order."""
    inputs = tmp_path / "inputs"
    shutil.copytree(corpus_dir, inputs)
    out = tmp_path / "out"
    assert build([inputs], out, "--jobs", "1") == 0
    files = sorted((inputs / "generated").rglob("*.txt"))
    for changed in (files[0], files[2]):
        changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    assert build([inputs], out, "--jobs", "1", "--chunk-size", "2") == 0
    reprocessed = [e["path"] for e in inputs_of(out) if not e["reused"]]
    assert reprocessed == [str(files[0]), str(files[2])]
    fresh = tmp_path / "fresh"
    assert build([inputs], fresh, "--jobs", "1", "--no-cache") == 0
    assert table_bytes(out) == table_bytes(fresh)


def test_a_rebuild_whose_columns_change_mid_way_rewrites_from_the_cache(corpus_dir, tmp_path):
    """A CSV with a metadata column among articles stops streaming: the big tables are then
    written again from the cache at the end, runs of cached units read whole or in part."""
    inputs = tmp_path / "inputs"
    shutil.copytree(corpus_dir, inputs)
    csv = inputs / "generated" / "0001" / "zz-turns.csv"
    csv.write_text("speaker,desk,text\nSMITH,metro,We will win.\nJONES,city,No.\n", "utf-8")
    out = tmp_path / "out"
    assert build([inputs], out, "--jobs", "1", "--chunk-size", "8") == 0
    assert "desk" in pd.read_parquet(out / "documents.parquet").columns
    changed = sorted((inputs / "generated").rglob("*.txt"))[3]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    assert build([inputs], out, "--jobs", "1", "--chunk-size", "8") == 0
    assert [e["path"] for e in inputs_of(out) if not e["reused"]] == [str(changed)]
    fresh = tmp_path / "fresh"
    assert build([inputs], fresh, "--jobs", "1", "--no-cache") == 0
    assert table_bytes(out) == table_bytes(fresh)


def test_interrupted_build_leaves_previous_dir_and_next_build_completes(corpus_dir, tmp_path):
    out = tmp_path / "out"
    assert build([SEEDS], out, "--jobs", "1") == 0
    before = table_bytes(out)

    env = dict(os.environ, **{engine.DELAY_ENV: "0.3"})
    cmd = [sys.executable, "-m", "corpuskit", "build", str(corpus_dir), "--out", str(out)]
    proc = subprocess.Popen([*cmd, "--jobs", "1", "--no-progress"], env=env)
    partial_cache = tmp_path / ".out.partial" / engine.CACHE_DIR
    deadline = time.monotonic() + 60
    index = partial_cache / engine.FileCache.INDEX
    while len(engine.read_index(index)) < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, "the build ended before it could be interrupted"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    assert table_bytes(out) == before
    assert [e["path"] for e in inputs_of(out)] == [str(SEEDS / os.listdir(SEEDS)[0])]

    assert build([corpus_dir], out, "--jobs", "2") == 0
    assert len(Corpus.from_parquet(out).documents) == 51
    assert sum(e["reused"] for e in inputs_of(out)) >= 2  # work of the killed build is kept
    assert not (tmp_path / ".out.partial").exists() and not (tmp_path / ".out.resume").exists()


def test_a_build_killed_while_swapping_folders_is_put_back(tmp_path):
    out, old = tmp_path / "out", tmp_path / ".out.old"
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    recover_dir(out)
    assert (out / "manifest.json").is_file() and not old.exists()


def test_dask_local_cluster_gives_the_local_tables(corpus_dir, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        settings = Settings(
            engine="dask", scheduler=cluster.scheduler_address, progress=False, chunk_size=7
        )
        manifest = engine.build_dir([str(corpus_dir)], tmp_path / "dask", settings)
    assert (tmp_path / "dask" / "sentences").is_dir()
    assert manifest["tables"] == json.loads((reference / "manifest.json").read_text())["tables"]
    ours, theirs = Corpus.from_parquet(reference), Corpus.from_parquet(tmp_path / "dask")
    for name, table in ours.tables().items():
        pd.testing.assert_frame_equal(theirs.tables()[name], table)
    parts = pd.read_parquet(tmp_path / "dask" / "sentences")  # a plain Parquet dataset
    assert len(parts) == len(ours.sentences)


def test_unknown_engine_is_a_usage_error(tmp_path, capsys):
    assert build([SEEDS], tmp_path / "o", "--scheduler", "tcp://127.0.0.1:1") == 2
    assert "--engine dask" in capsys.readouterr().err


def test_a_build_with_nothing_readable_fails_and_keeps_the_previous_dir(tmp_path, capsys):
    out = tmp_path / "out"
    assert build([SEEDS], out, "--jobs", "1") == 0
    before = table_bytes(out)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("   \n", encoding="utf-8")
    assert build([empty], out) == 1
    assert capsys.readouterr().err.strip().endswith("no document could be read from the inputs")
    assert table_bytes(out) == before
    assert not (tmp_path / ".out.partial").exists()


def test_small_tables_concatenated_in_small_batches_give_the_same_bytes(
    corpus_dir, reference, tmp_path, monkeypatch
):
    monkeypatch.setattr(engine._Concat, "BATCH", 2)  # many batches, some with empty tables
    assert build([corpus_dir], tmp_path / "out", "--jobs", "1") == 0
    assert table_bytes(tmp_path / "out") == table_bytes(reference)


def test_rows_to_arrow_keeps_columns_missing_from_the_first_row():
    table = engine._rows_to_arrow([{"a": 1}, {"a": 2, "b": "x"}])
    assert table.column_names == ["a", "b"]
    assert table.column("b").to_pylist() == [None, "x"]


def _file_results(folder: Path, n: int) -> list:
    from corpuskit.pipeline import load_dictionary, process_file

    load_dictionary(None)
    paths = sorted(folder.rglob("*.txt"))[:n]
    return [process_file(p, folder, p.stem, "sha", Settings()) for p in paths]


def _rows(rows: tuple[dict, bytes]) -> tuple[dict, dict]:
    """What the build writes and spills of a run of files (`engine._unit_rows`), as rows."""
    import pickle

    big, small = rows
    small = pickle.loads(small)
    return (
        {name: table.to_pylist() for name, table in big.items()},
        {
            k: engine.from_ipc(v).to_pylist() if isinstance(v, bytes) else v
            for k, v in small.items()
        },
    )


def _units(packed: list) -> list[dict]:
    import pickle

    return [pickle.loads(unit) for _, unit in packed if unit is not None]


def _one_after_another(runs: list[tuple[dict, dict]]) -> tuple[dict, dict]:
    """The rows of consecutive runs of files (as `_rows` gives them) as one run."""
    big, small = runs[0]
    return (
        {name: [row for run in runs for row in run[0][name]] for name in big},
        {name: [row for run in runs for row in run[1][name]] for name in small},
    )


def test_a_chunk_converted_at_once_gives_each_file_the_rows_it_has_alone(corpus_dir):
    results = _file_results(corpus_dir, 6)
    assert sum(len(r.rows["quotes"]) for r in results) > 0
    results[2].rows["quotes"], results[2].rows["frame_evidence"] = [], []  # empty slices too
    together = engine._pack_unit(results, engine._together(results))
    assert [unit is not None for _, unit in together] == [False] * 5 + [True]  # one unit
    (unit,) = _units(together)
    per_file = []
    for i, (info, _) in enumerate(together):
        (own,) = _units(engine._pack_unit([results[i]], engine._alone(results[i])))
        assert info["entry"] == own["files"][0]["entry"] == results[i].entry
        assert info["schemas"] == own["files"][0]["schemas"]
        per_file.append(_rows(engine._unit_rows(unit, i, i + 1)))
        assert per_file[-1] == _rows(engine._unit_rows(own, 0, 1))
    assert _rows(engine._unit_rows(unit, 1, 4)) == _one_after_another(per_file[1:4])
    assert _rows(engine._unit_rows(unit, 0, 6)) == _one_after_another(per_file)
    assert engine._unit_rows(unit, 0, 6)[1] is unit["small"]  # a whole unit: its own blob


def test_a_chunk_with_columns_beyond_the_contract_is_packed_file_by_file(corpus_dir):
    results = _file_results(corpus_dir, 3)
    results[1].rows["documents"][0]["desk"] = "metro"  # a metadata column of one file
    assert engine._together(results) is None
    assert engine._together(results[:1]) is None  # one file: nothing to join
    results[1].rows["documents"][0].pop("desk")
    quoted = next(r for r in results if r.rows["quotes"])
    quoted.rows["quotes"][-1]["extra"] = 1  # quotes differing in keys: Arrow would drop it
    assert engine._together(results) is None


def test_files_that_can_not_go_together_are_units_of_their_own(corpus_dir, monkeypatch):
    monkeypatch.setattr(engine, "_together", lambda results: None)
    paths = sorted(corpus_dir.rglob("*.txt"))[:3]
    packed = engine.process_files_for_disk(
        [(p, corpus_dir, p.stem, "sha", Settings()) for p in paths]
    )
    assert [len(unit["files"]) for unit in _units(packed)] == [1, 1, 1]


def test_entities_arrow_can_not_take_stay_rows_in_a_file_alone(corpus_dir):
    (result,) = _file_results(corpus_dir, 1)
    result.rows["entities"] = [
        {"speaker": "Jacob Frey", "kind": "person"},
        {"speaker": "Frey", "note": 1},  # keys differ
    ]
    (unit,) = _units(engine._pack_unit([result], engine._alone(result)))
    assert _rows(engine._unit_rows(unit, 0, 1))[1]["entities"] == result.rows["entities"]


def test_the_cache_finds_units_of_an_earlier_build_and_reads_runs_of_them(corpus_dir, tmp_path):
    import pickle

    results = _file_results(corpus_dir, 4)
    earlier = engine.FileCache(tmp_path / "earlier")
    packed = engine._pack_unit(results[:3], engine._together(results[:3]))
    earlier.store(["k1", "k2", "k3"], packed[-1][1])
    earlier.store(["k4"], engine._pack_unit(results[3:], engine._alone(results[3]))[-1][1])
    with open(tmp_path / "earlier" / engine.FileCache.INDEX, "ab") as index:
        index.write((1000).to_bytes(8, "little") + b"cut short")  # a killed build's last record
    garbled, record = tmp_path / "garbled", pickle.dumps(5)  # a whole record, not an index's
    garbled.write_bytes(len(record).to_bytes(8, "little") + record)
    assert engine.read_index(garbled) == {} and engine.read_index(tmp_path / "none") == {}

    cache = engine.FileCache(tmp_path / "now", [tmp_path / "earlier", tmp_path / "missing"])
    found = cache.find(["k2", "k3", "k4", "k9"])
    assert found == {"k2": True, "k3": True, "k4": True, "k9": False}
    assert sorted(p.suffix for p in (tmp_path / "now").iterdir()) == ["", ".unit", ".unit"]
    index = engine.read_index(tmp_path / "now" / engine.FileCache.INDEX)
    assert sorted(index) == ["k2", "k3", "k4"] and index["k3"][1] == 2  # places in their units

    reader = engine.UnitReader(cache)
    info, done = reader.add("k2")
    assert info["entry"] == results[1].entry and done is None
    info, done = reader.add("k3")
    assert done is None  # k3 follows k2 in its unit: one run
    info, done = reader.add("k4")
    (unit,) = _units(packed)
    assert _rows(done) == _rows(engine._unit_rows(unit, 1, 3))
    assert info["entry"] == results[3].entry
    assert reader.take() is not None and reader.take() is None

    (tmp_path / "earlier" / index["k4"][0]).unlink()  # a unit deleted by hand: processed again
    assert engine.FileCache(tmp_path / "later", [tmp_path / "earlier"]).find(["k4"]) == {
        "k4": False
    }


def test_manifest_entries_kept_on_disk_come_back_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(engine.Entries, "BLOCK", 3)
    entries = engine.Entries(tmp_path / ".entries.spill")
    for i in range(8):
        entries.append({"path": f"f{i}.txt", "warnings": [i]})
    assert len(entries.spill.sizes) == 2 and len(entries.pending) == 2  # two blocks on disk
    assert entries.read() == [{"path": f"f{i}.txt", "warnings": [i]} for i in range(8)]
    assert not (tmp_path / ".entries.spill").exists()


def test_a_build_uses_jemalloc_and_leaves_the_pool_and_environment_as_they_were(monkeypatch):
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow is built without jemalloc")
    monkeypatch.delenv(engine.POOL_ENV, raising=False)
    before = pa.default_memory_pool().backend_name
    with engine._jemalloc_pool():
        inside = pa.default_memory_pool().backend_name
        assert os.environ.get(engine.POOL_ENV) == inside == "jemalloc"
    assert pa.default_memory_pool().backend_name == before
    assert engine.POOL_ENV not in os.environ
    monkeypatch.setenv(engine.POOL_ENV, "system")  # the user's choice is kept
    with engine._jemalloc_pool():
        assert pa.default_memory_pool().backend_name == before


def _small_blob(doc_id: str, entities) -> bytes:
    import pickle

    quotes = engine._rows_to_arrow([{"doc_id": doc_id, "quote_id": f"{doc_id}#q0"}])
    return pickle.dumps(
        {
            "quotes": engine.to_ipc(quotes),
            "frame_evidence": engine.to_ipc(engine._rows_to_arrow([])),
            "entities": entities,
            "documents": [{"doc_id": doc_id}],
        }
    )


def test_entities_arrow_can_not_take_come_back_as_rows_in_input_order():
    def entity(doc_id):
        return {"speaker": "Jacob Frey", "kind": "person", "aliases": ["Frey"], "doc_id": doc_id}

    def packed(rows):  # as a file's result packs its entities
        table = engine._entities_to_arrow(rows)
        return rows if table is None else engine.to_ipc(table)

    odd = [entity("b"), {"speaker": "Frey", "doc_id": "b", "note": 1}]  # keys differ
    assert engine._entities_to_arrow(odd) is None
    blobs = [
        _small_blob("a", packed([entity("a")])),
        _small_blob("b", packed(odd)),
        _small_blob("c", packed([entity("c")])),
    ]
    rows = engine._small_tables(blobs)
    assert [e["doc_id"] for e in rows["entities"]] == ["a", "b", "b", "c"]
    assert rows["entities"][0]["aliases"] == ["Frey"]
    assert list(rows["quotes"]["quote_id"]) == ["a#q0", "b#q0", "c#q0"]
    assert [d["doc_id"] for d in rows["documents"]] == ["a", "b", "c"]
    assert len(rows["frame_evidence"]) == 0


def test_workers_and_fork_server_are_gone_before_corpus_assembly(corpus_dir, tmp_path, monkeypatch):
    import multiprocessing
    from multiprocessing import forkserver

    seen = {}
    first_pass = assembly.first_pass

    def spy(small, batches):
        seen["children"] = multiprocessing.active_children()
        seen["fork_server"] = getattr(forkserver._forkserver, "_forkserver_pid", None)
        return first_pass(small, batches)

    monkeypatch.setattr(assembly, "first_pass", spy)
    assert build([corpus_dir], tmp_path / "out", "--jobs", "2", "--chunk-size", "8") == 0
    assert seen == {"children": [], "fork_server": None}
