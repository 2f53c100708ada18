"""Build the corpus and the HTML reports (STUB until the report issue lands: builds the corpus)."""

from __future__ import annotations

import sys

from corpuskit.pipeline import Settings, build


def main(inputs: list[str]) -> int:
    corpus = build(inputs, Settings(progress=False))
    corpus.to_parquet("reports/_work/corpus")
    print(corpus)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["seeds"]))
