"""Throughput and peak memory of `corpuskit build` beside spaCy, on a generated corpus.

    python benchmarks/run.py                 # 10,000 articles (~7 million words), --jobs 2
    python benchmarks/run.py --scale 10      # also 10x the articles: peak memory ratio

Each measured command runs in its own process tree; peak memory is the largest sum of the
resident memory of that tree (the parent and its workers), sampled every 20 ms with psutil.
Words are counted once, with corpuskit's definition of a word, for every tool alike.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_WORDS_PER_S = 500_000
TARGET_SPACY_RATIO = 5.0
TARGET_MEMORY_RATIO = 1.5


def _generator():
    spec = importlib.util.spec_from_file_location("generate", HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus(workdir: Path, n_docs: int, seed: int) -> Path:
    """The generated corpus of `n_docs` articles, made once and kept in `workdir`."""
    folder = workdir / f"corpus-{n_docs}-{seed}"
    done = folder / ".complete"
    if not done.is_file():
        if folder.exists():
            shutil.rmtree(folder)
        print(f"generating {n_docs:,} articles into {folder} ...", file=sys.stderr)
        _generator().generate(folder, n_docs, seed)
        done.write_text("ok\n")
    return folder


def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Run `cmd`; wall seconds, peak resident memory of its process tree (MiB), its stdout.

    The peak is also split by phase: while the command has child processes (a build's workers
    and their fork server) and while it runs alone (planning, and a build's assembly at the end).
    multiprocessing's resource tracker, a small helper that lives to the end, does not count.
    """
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True)
    peak = [0]
    by_phase = {"with_children": 0, "alone": 0}
    trackers: dict[int, bool] = {}
    done = threading.Event()

    def sample():
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                rss = 0
                for p in tree:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], rss)
                workers = [p for p in tree[1:] if not _is_resource_tracker(p, trackers)]
                phase = "with_children" if workers else "alone"
                by_phase[phase] = max(by_phase[phase], rss)
            except psutil.Error:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}")
    return {
        "seconds": seconds,
        "peak_mib": peak[0] / 2**20,
        "peak_mib_with_children": by_phase["with_children"] / 2**20,
        "peak_mib_alone": by_phase["alone"] / 2**20,
        "stdout": out,
    }


def _is_resource_tracker(process, seen: dict[int, bool]) -> bool:
    """Whether `process` is multiprocessing's resource tracker (looked up once per pid)."""
    import psutil

    if process.pid not in seen:
        try:
            seen[process.pid] = any("resource_tracker" in part for part in process.cmdline())
        except psutil.Error:
            return False
    return seen[process.pid]


def count_words(folder: Path) -> int:
    from corpuskit.text import count_words as count

    return sum(count(p.read_text(encoding="utf-8")) for p in sorted(folder.rglob("*.txt")))


def build(folder: Path, out: Path, jobs: int, fresh: bool = True) -> dict:
    if fresh and out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "corpuskit", "build", str(folder), "--out", str(out)]
    return measure([*cmd, "--jobs", str(jobs), "--no-progress"])


def spacy_baseline(folder: Path) -> None:
    """(child mode) spaCy blank English tokenizer + sentencizer over the texts, one process."""
    import spacy

    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))]
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = max(nlp.max_length, max(map(len, texts)) + 1)
    start = time.perf_counter()
    n_sents = sum(sum(1 for _ in doc.sents) for doc in nlp.pipe(texts, batch_size=64))
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "sentences": n_sents, "spacy": spacy.__version__}))


def textacy_baseline(folder: Path) -> None:
    """(child mode) textacy direct quotations with an installed spaCy English model."""
    import spacy
    from textacy.extract import direct_quotations

    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))]
    nlp = spacy.load(_spacy_model())
    start = time.perf_counter()
    n_quotes = sum(sum(1 for _ in direct_quotations(doc)) for doc in nlp.pipe(texts))
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "quotes": n_quotes}))


def _spacy_model() -> str | None:
    import spacy.util

    for name in ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf"):
        if spacy.util.is_package(name):
            return name
    return None


def median_run(run, repeat: int, timed_by_child: bool = False) -> dict:
    """`run()` `repeat` times: the run of median time (a peer's own timing when it reports one),
    with the largest peak memory of all runs and every run's seconds."""
    runs = [run() for _ in range(max(1, repeat))]

    def seconds(r):
        return json.loads(r["stdout"])["seconds"] if timed_by_child else r["seconds"]

    runs.sort(key=seconds)
    chosen = dict(runs[len(runs) // 2])
    for key in ("peak_mib", "peak_mib_with_children", "peak_mib_alone"):
        chosen[key] = max(r[key] for r in runs)
    chosen["runs_seconds"] = [round(seconds(r), 2) for r in runs]
    return chosen


def peer(mode: str, folder: Path) -> dict:
    return measure([sys.executable, __file__, f"--{mode}", str(folder)])


def row(name: str, words: int, seconds: float, peak: float, note: str = "") -> str:
    rate = words / seconds if seconds else 0
    return f"{name:<34} {seconds:9.2f} s {rate:14,.0f} words/s {peak:9.0f} MiB  {note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="articles (default 10,000)")
    parser.add_argument("--jobs", type=int, default=2, help="corpuskit worker processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=int, default=0, help="also build N times more articles")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "corpuskit-bench"
    )
    parser.add_argument("--no-peers", action="store_true", help="skip spaCy and textacy")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of the build and of spaCy (median time)"
    )
    parser.add_argument("--spacy-baseline", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--textacy-baseline", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.spacy_baseline:
        return spacy_baseline(args.spacy_baseline)
    if args.textacy_baseline:
        return textacy_baseline(args.textacy_baseline)

    args.workdir.mkdir(parents=True, exist_ok=True)
    folder = corpus(args.workdir, args.docs, args.seed)
    words = count_words(folder)
    print(f"corpus: {args.docs:,} articles, {words:,} words ({folder})")
    results: dict = {"docs": args.docs, "words": words, "jobs": args.jobs}

    out = args.workdir / "out"
    ck = median_run(lambda: build(folder, out, args.jobs), args.repeat)
    print(
        row(
            f"corpuskit build --jobs {args.jobs}",
            words,
            ck["seconds"],
            ck["peak_mib"],
            " ".join(filter(None, [_phases_note(ck), _runs_note(ck)])),
        )
    )
    again = build(folder, out, args.jobs, fresh=False)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    n_reused = sum(1 for entry in manifest["inputs"] if entry.get("reused"))
    note = f"(incremental: {n_reused:,} of {len(manifest['inputs']):,} files reused)"
    print(row("corpuskit build, again", words, again["seconds"], again["peak_mib"], note))
    results["corpuskit"] = {"words_per_s": words / ck["seconds"], **_strip(ck)}
    results["corpuskit_rebuild"] = _strip(again)

    if not args.no_peers:
        if importlib.util.find_spec("spacy") is None:
            print("spaCy: not installed (pip install spacy), skipped")
        else:
            sp = median_run(
                lambda: peer("spacy-baseline", folder), args.repeat, timed_by_child=True
            )
            info = json.loads(sp["stdout"])
            print(
                row(
                    f"spaCy {info['spacy']} blank en + sentencizer",
                    words,
                    info["seconds"],
                    sp["peak_mib"],
                    "(1 process) " + _runs_note(sp),
                )
            )
            ratio = info["seconds"] / ck["seconds"]
            results["spacy"] = {
                "words_per_s": words / info["seconds"],
                **info,
                "peak_mib": sp["peak_mib"],
                "runs_seconds": sp["runs_seconds"],
            }
            results["ratio_vs_spacy"] = ratio
            print(
                f"corpuskit / spaCy words per second: {ratio:.2f}x (target >= {TARGET_SPACY_RATIO}x)"
            )
            has_textacy = importlib.util.find_spec("textacy") is not None
            model = _spacy_model()
            if has_textacy and model:
                tx = peer("textacy-baseline", folder)
                info = json.loads(tx["stdout"])
                print(
                    row(
                        f"textacy direct_quotations ({model})",
                        words,
                        info["seconds"],
                        tx["peak_mib"],
                    )
                )
                results["textacy"] = {"words_per_s": words / info["seconds"], **info}
            else:
                missing = [
                    n
                    for n, ok in (("textacy", has_textacy), ("a spaCy English model", model))
                    if not ok
                ]
                print(f"textacy direct quotations: skipped ({' and '.join(missing)} not installed)")

    rate = words / ck["seconds"]
    print(f"corpuskit words per second: {rate:,.0f} (target >= {TARGET_WORDS_PER_S:,})")

    if args.scale > 1:
        big = corpus(args.workdir, args.docs * args.scale, args.seed)
        big_words = count_words(big)
        large = build(big, args.workdir / "out-large", args.jobs)
        print(
            row(
                f"corpuskit build, {args.scale}x articles",
                big_words,
                large["seconds"],
                large["peak_mib"],
                _phases_note(large),
            )
        )
        mem_ratio = large["peak_mib"] / ck["peak_mib"]
        print(f"peak memory {args.scale}x / 1x: {mem_ratio:.2f} (target <= {TARGET_MEMORY_RATIO})")
        results["large"] = {"docs": args.docs * args.scale, "words": big_words, **_strip(large)}
        results["memory_ratio"] = mem_ratio
        shutil.rmtree(args.workdir / "out-large", ignore_errors=True)
    print(json.dumps(results, sort_keys=True))


def _phases_note(measured: dict) -> str:
    return (
        f"(peak with workers {measured['peak_mib_with_children']:,.0f} MiB,"
        f" alone {measured['peak_mib_alone']:,.0f} MiB)"
    )


def _runs_note(measured: dict) -> str:
    runs = measured["runs_seconds"]
    return f"(median of {len(runs)} runs: {', '.join(map(str, runs))} s)" if len(runs) > 1 else ""


def _strip(measured: dict) -> dict:
    return {k: v for k, v in measured.items() if k != "stdout"}


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
