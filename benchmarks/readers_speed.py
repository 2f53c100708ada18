"""Words per second of the read + segment stages on the shared real corpora and synthetic text.

Run: python benchmarks/readers_speed.py [CORPORA_DIR]  (default ../shared/corpora).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from corpuskit import readers, segment
from corpuskit.text import count_words

CORPORA = ("presidential_debates_2016.csv.gz", "political_data.json")


def read_and_segment(path: Path) -> tuple[float, int, int, int]:
    """Best of three: (seconds, documents, paragraphs, sentences) for one file."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        _, docs = readers.read_file(path, path.parent, readers.doc_prefix(path, path.parent))
        n_par = n_sent = 0
        for doc in docs:
            paras = segment.paragraphs(doc["text"])
            n_par += len(paras)
            n_sent += len(segment.sentences(doc["text"], paras))
        best = min(best, time.perf_counter() - t0)
    words = sum(count_words(d["text"]) for d in docs)
    return best, len(docs), words, n_sent


def main(corpora: Path) -> None:
    for name in CORPORA:
        path = corpora / name
        if not path.exists():
            print(f"{name}: not found under {corpora}, skipped")
            continue
        seconds, n_docs, words, n_sent = read_and_segment(path)
        print(
            f"{name}: {n_docs} docs, {words} words, {n_sent} sentences "
            f"in {seconds:.3f}s -> {words / seconds:,.0f} words/s"
        )
    text = ("Word " * 9 + "end. ") * 100_000
    t0 = time.perf_counter()
    n_sent = len(segment.sentences(text, segment.paragraphs(text)))
    seconds = time.perf_counter() - t0
    print(
        f"synthetic 1M words: {n_sent} sentences in {seconds:.2f}s -> {1e6 / seconds:,.0f} words/s"
    )


if __name__ == "__main__":
    here = Path(__file__).resolve().parent.parent
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else here.parent / "shared" / "corpora")
