"""The `corpuskit` command: build, contrast, kwic, frames, evaluate.

Exit codes (DESIGN.md): 0 all inputs read; 3 built but some inputs skipped; 2 usage error;
1 nothing could be built. Errors are one line on stderr; set CORPUSKIT_DEBUG=1 for a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from corpuskit import __version__
from corpuskit.errors import CorpuskitError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SKIPPED = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpuskit",
        description="Who says what, and how they frame it: tables, speakers, frames.",
    )
    parser.add_argument("--version", action="version", version=f"corpuskit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="read documents and write the Parquet tables + manifest.json")
    b.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders or globs")
    b.add_argument(
        "--out", required=True, metavar="DIR", help="output folder (replaced atomically)"
    )
    b.add_argument("--frames", metavar="FILE", help="frame dictionary (.yaml or LIWC .dic)")
    b.add_argument("--speakers", metavar="FILE", help="speaker metadata (.csv or .yaml)")
    b.add_argument("--frame-model", metavar="MODEL", help="apply a model from `frames train`")
    b.add_argument(
        "--jobs", type=int, default=0, metavar="N", help="worker processes (default: one per core)"
    )
    b.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local process pool, or dask.distributed (tables as folders of parts)",
    )
    b.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler (default: start a LocalCluster)"
    )
    b.add_argument(
        "--chunk-size", type=int, default=0, metavar="N", help="files per task (default: auto)"
    )
    b.add_argument(
        "--no-cache", action="store_true", help="keep no per-file results in DIR/.cache for reuse"
    )
    b.add_argument("--seed", type=int, default=0, help="seed of the bootstrap intervals")
    b.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    c = sub.add_parser(
        "contrast", help="terms that distinguish two groups (log-odds, Dirichlet prior)"
    )
    c.add_argument("dir", metavar="DIR", help="a folder written by `corpuskit build`")
    c.add_argument("--by", required=True, metavar="COLUMN", help="speakers or documents column")
    c.add_argument("--groups", nargs="+", required=True, metavar="G", help="group A and group B")
    c.add_argument("--out", metavar="FILE.csv", help="write all terms as CSV (else print the top)")
    c.add_argument("--ngram", type=int, default=1, choices=(1, 2), help="up to bigrams with 2")
    c.add_argument("--min-count", type=int, default=2, help="minimum total count of a term")
    c.add_argument("--top", type=int, default=20, help="terms per side to print")

    k = sub.add_parser("kwic", help="keyword in context, with speaker")
    k.add_argument("dir", metavar="DIR")
    k.add_argument("pattern", metavar="PATTERN", help="a word, phrase or `*` wildcard (defen*)")
    k.add_argument("--window", type=int, default=8, metavar="N", help="words each side")

    f = sub.add_parser("frames", help="supervised frame classifier: cv, train, curve")
    fsub = f.add_subparsers(dest="frames_command", required=True, metavar="ACTION")
    actions = (
        ("cv", "cross-validate; prints one JSON line"),
        ("train", "train and save a model"),
        ("curve", "learning curve: accuracy by number of coded examples (CSV)"),
    )
    for name, helptext in actions:
        a = fsub.add_parser(name, help=helptext)
        a.add_argument("data", metavar="DATA.csv")
        a.add_argument("--text", required=True, metavar="COL")
        a.add_argument("--label", required=True, metavar="COL")
        a.add_argument("--seed", type=int, default=0)
        a.add_argument(
            "--features",
            choices=("auto", "tfidf", "tfidf+embeddings"),
            default="auto",
            help="text features (auto: add sentence embeddings when corpuskit[embeddings] is installed)",
        )
        a.add_argument(
            "--threshold", type=float, default=0.0, help="abstain below this confidence (0-1)"
        )
        if name in ("cv", "curve"):
            a.add_argument("--folds", type=int, default=5, metavar="K")
        if name == "cv":
            a.add_argument(
                "--confusion", metavar="FILE.png", help="write a confusion matrix figure"
            )
        if name == "train":
            a.add_argument("--out", required=True, metavar="MODEL")

    e = sub.add_parser("evaluate", help="score quote and speaker extraction against annotations")
    e.add_argument("gold", metavar="GOLD", help="annotation file or folder (see docs/evaluation)")
    e.add_argument("--out", metavar="DIR", help="write scores and per-item errors here")
    return parser


def _report_inputs(entries: list[dict]) -> int:
    """Name every warning and skipped input on stderr; returns the number skipped."""
    skipped = 0
    for entry in entries:
        for warning in entry.get("warnings") or []:
            print(f"corpuskit: warning: {entry['path']}: {warning}", file=sys.stderr)
        if entry["status"] != "ok":
            skipped += 1
            print(f"corpuskit: skipped {entry['path']}: {entry['reason']}", file=sys.stderr)
    return skipped


def _build(args) -> int:
    from corpuskit.engine import build_dir
    from corpuskit.errors import BuildError, UsageError
    from corpuskit.pipeline import Settings

    if args.jobs < 0 or args.chunk_size < 0:
        raise UsageError("--jobs and --chunk-size must be 0 (automatic) or more")
    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    settings = Settings(
        frames=args.frames,
        speakers=args.speakers,
        frame_model=args.frame_model,
        seed=args.seed,
        jobs=args.jobs,
        progress=not args.no_progress,
        engine=args.engine,
        scheduler=args.scheduler,
        chunk_size=args.chunk_size,
        cache=not args.no_cache,
    )
    try:
        manifest = build_dir(args.inputs, args.out, settings)
    except BuildError as exc:
        _report_inputs(exc.inputs)
        raise
    skipped = _report_inputs(manifest["inputs"])
    sizes = manifest["tables"]
    reused = sum(1 for entry in manifest["inputs"] if entry.get("reused"))
    print(
        f"corpuskit: {sizes['documents']} documents, {sizes['quotes']} quotes, "
        f"{sizes['speakers']} speakers -> {args.out}"
        + (f" ({reused} file(s) reused)" if reused else "")
        + (f" ({skipped} input(s) skipped)" if skipped else ""),
        file=sys.stderr,
    )
    return EXIT_SKIPPED if skipped else EXIT_OK


def _load(path: str):
    from corpuskit.corpus import Corpus
    from corpuskit.errors import UsageError

    try:
        return Corpus.from_parquet(path)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None


def _contrast(args) -> int:
    from corpuskit.contrast import contrast

    table = contrast(
        _load(args.dir), by=args.by, groups=args.groups, ngram=args.ngram, min_count=args.min_count
    )
    if args.out:
        table.to_csv(args.out, index=False)
    else:
        top = args.top
        shown = (
            table if len(table) <= 2 * top else table.iloc[list(range(top)) + list(range(-top, 0))]
        )
        print(shown.to_string(index=False))
    return EXIT_OK


def _kwic(args) -> int:
    from corpuskit.kwic import kwic

    table = kwic(_load(args.dir), args.pattern, window=args.window)
    if table.empty:
        print(f"no match for {args.pattern!r}", file=sys.stderr)
        return EXIT_OK
    print(table.to_string(index=False))
    return EXIT_OK


def _frames(args) -> int:
    from corpuskit import classify

    data = {"text": args.text, "label": args.label, "seed": args.seed}
    params = {"features": args.features, "threshold": args.threshold}
    if args.frames_command == "curve":
        texts, labels = classify.read_labelled(args.data, args.text, args.label)
        curve = classify.learning_curve(texts, labels, folds=args.folds, seed=args.seed, **params)
        print(curve.to_csv(index=False), end="")
        return EXIT_OK
    if args.frames_command == "cv":
        result = classify.cross_validate_csv(
            args.data, folds=args.folds, confusion=args.confusion, **data, **params
        )
    else:
        result = classify.train_csv(args.data, out=args.out, **data, **params)
    print(json.dumps(result, sort_keys=True))
    return EXIT_OK


def _evaluate(args) -> int:
    from corpuskit.evaluate import evaluate

    result = evaluate(args.gold, out=args.out)
    print(json.dumps(result, sort_keys=True))
    return EXIT_OK


COMMANDS = {
    "build": _build,
    "contrast": _contrast,
    "kwic": _kwic,
    "frames": _frames,
    "evaluate": _evaluate,
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CorpuskitError as exc:
        print(f"corpuskit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("corpuskit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an unforeseen input: one line, never a traceback
        if os.environ.get("CORPUSKIT_DEBUG"):
            raise
        print(f"corpuskit: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
