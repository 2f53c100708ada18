"""Build the corpus and the HTML framing report: `python reports/make.py [INPUT ...] [options]`.

Run from the project root (as `nox -s report` does). Builds the corpus from INPUT (default seeds/),
executes each notebook source in reports/ headless and writes reports/build/<name>.html. The same
inputs and locked dependencies give the same bytes.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nbclient.exceptions import CellExecutionError

from corpuskit.errors import CorpuskitError
from corpuskit.pipeline import Settings, build
from corpuskit.report import build_html

HERE = Path(__file__).resolve().parent
NOTEBOOKS = ("framing",)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reports/make.py", description=__doc__.splitlines()[0])
    p.add_argument("inputs", nargs="*", default=["seeds"], metavar="INPUT", help="files or folders")
    p.add_argument("--out", default="reports/build", metavar="DIR", help="where the HTML goes")
    p.add_argument("--speakers", metavar="FILE", help="speaker metadata (.csv/.yaml), e.g. a side")
    p.add_argument("--frames", metavar="FILE", help="frame dictionary (.yaml or LIWC .dic)")
    p.add_argument("--frame-model", metavar="MODEL", help="a model from `corpuskit frames train`")
    p.add_argument(
        "--sides",
        default=str(HERE / "sides.yaml"),
        metavar="FILE",
        help="side rules (YAML) for speakers without a side column",
    )
    p.add_argument(
        "--side-column",
        default="side",
        metavar="COLUMN",
        help="speakers column that names each speaker's side (default: side)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = Path.cwd()
    work = HERE / "_work" / "corpus"
    settings = Settings(
        frames=args.frames, speakers=args.speakers, frame_model=args.frame_model, progress=False
    )
    try:
        corpus = build(args.inputs, settings)
        sides = Path(args.sides)
        if not sides.is_file():
            raise CorpuskitError(f"side rules file not found: {args.sides}")
    except CorpuskitError as exc:
        print(f"make.py: error: {exc}", file=sys.stderr)
        return exc.exit_code
    corpus.to_parquet(work)
    print(f"make.py: {corpus}", file=sys.stderr)
    params = {
        "CORPUS": os.path.relpath(work, root),
        "SIDES": os.path.relpath(sides.resolve(), root),
        "SIDE_COLUMN": args.side_column,
        "ROOT": ".",
    }
    for name in NOTEBOOKS:
        out = Path(args.out) / f"{name}.html"
        try:
            stderr = build_html(
                HERE / f"{name}.py",
                out,
                params=params,
                cwd=root,
                template_dir=HERE / "templates",
                template="corpuskit",
                title="Who says what, and how they frame it",
            )
        except CellExecutionError as exc:
            print(
                f"make.py: error: notebook {name} failed: {exc.ename}: {exc.evalue}",
                file=sys.stderr,
            )
            return 1
        for text in stderr:
            print(f"make.py: {name}: {text.rstrip()}", file=sys.stderr)
        print(f"make.py: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
