"""Words per second of quote extraction alone (corpuskit.quotes.extract, lexicons loaded).

    python benchmarks/quotes_speed.py             # from the repository root
    python benchmarks/quotes_speed.py --repeat 3  # best of 3 timings per input
    python benchmarks/quotes_speed.py --articles 2000  # more generated news articles

With ../shared/corpora present: the 2016 debate turns (one row per turn, `speaker` column:
the transcript path), the 2012 convention speeches (`NAME:` transcripts), the same speeches as
prose (prefixes removed: the full news rules) and the debate turns as prose. Without it: the
annotated news of tests/gold and tests/gold_heldout, repeated. Always: generated news articles
(benchmarks/generate.py, the corpus of the build benchmark). One process, one core.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import time
from pathlib import Path

import yaml

from corpuskit import quotes, segment
from corpuskit.text import count_words

try:
    from generate import article  # run as a script: benchmarks/ is on the path
except ImportError:  # imported as benchmarks.quotes_speed
    from benchmarks.generate import article

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
PREFIX_RE = re.compile(r"(?m)^[A-Z][A-Z .'\-]+: ")


def shared_inputs() -> list[tuple[str, list[str], list[dict]]]:
    """(name, texts, metadata per text) from the shared corpora."""
    with gzip.open(CORPORA / "presidential_debates_2016.csv.gz", "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    groups = json.loads((CORPORA / "political_data.json").read_text(encoding="utf-8"))
    speeches = [s for g in groups for s in g["speeches"]]
    prose = [PREFIX_RE.sub("", s).replace("\n", "\n\n") for s in speeches]
    turns = [r["statement"] for r in rows]
    return [
        ("debates, speaker column", turns, [{"speaker": r["speaker"]} for r in rows]),
        ("speeches, NAME: transcripts", speeches, [{}] * len(speeches)),
        ("speeches as prose", prose, [{}] * len(prose)),
        ("debate turns as prose", turns, [{}] * len(turns)),
    ]


def gold_inputs(times: int = 20) -> list[tuple[str, list[str], list[dict]]]:
    """The annotated news texts of the repository, repeated `times` times."""
    texts = []
    for folder in ("gold", "gold_heldout"):
        for path in sorted((ROOT / "tests" / folder).glob("*.yaml")):
            texts.append(yaml.safe_load(path.read_text(encoding="utf-8"))["text"])
    texts = texts * times
    return [(f"tests/gold news x{times}", texts, [{}] * len(texts))]


def generated_inputs(n: int) -> list[tuple[str, list[str], list[dict]]]:
    """`n` generated news articles (seed 0), as the build benchmark makes them."""
    texts = [article(0, i) for i in range(n)]
    return [(f"generated news x{n}", texts, [{}] * n)]


def measure(texts: list[str], metas: list[dict], repeat: int) -> float:
    """Best wall time over `repeat` runs of extraction (segmentation done beforehand)."""
    paragraphs = [segment.paragraphs(t) for t in texts]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for text, paras, meta in zip(texts, paragraphs, metas, strict=True):
            quotes.extract(text, paras, meta)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="timings per input (best kept)")
    parser.add_argument("--articles", type=int, default=500, help="generated news articles")
    args = parser.parse_args()
    quotes.lexicon()
    inputs = shared_inputs() if CORPORA.is_dir() else gold_inputs()
    inputs += generated_inputs(args.articles)
    print(f"{'input':32} {'docs':>6} {'words':>9} {'seconds':>8} {'words/s':>11}")
    for name, texts, metas in inputs:
        words = sum(map(count_words, texts))
        seconds = measure(texts, metas, args.repeat)
        print(f"{name:32} {len(texts):6d} {words:9,d} {seconds:8.2f} {words / seconds:11,.0f}")


if __name__ == "__main__":
    main()
