"""Words/s of read + segment on the real corpora."""

import time
from pathlib import Path
from corpuskit import readers, segment
from corpuskit.text import count_words

for name in ["presidential_debates_2016.csv.gz", "political_data.json"]:
    p = Path("/work/shared/corpora") / name
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        entry, docs = readers.read_file(p, p.parent, readers.doc_prefix(p, p.parent))
        t1 = time.perf_counter()
        n_p = n_s = 0
        for d in docs:
            ps = segment.paragraphs(d["text"])
            ss = segment.sentences(d["text"], ps)
            n_p += len(ps)
            n_s += len(ss)
        t2 = time.perf_counter()
        best = min(best or 1e9, t2 - t0)
    words = sum(count_words(d["text"]) for d in docs)
    print(
        f"{name}: {len(docs)} docs, {words} words, {n_p} paragraphs, {n_s} sentences, "
        f"read {t1 - t0:.3f}s segment {t2 - t1:.3f}s -> {words / best:,.0f} words/s"
    )
big = ("Word " * 9 + "end. ") * 100000
t0 = time.perf_counter()
ps = segment.paragraphs(big)
ss = segment.sentences(big, ps)
t = time.perf_counter() - t0
print(f"synthetic 1M words: {len(ss)} sentences in {t:.2f}s -> {1e6 / t:,.0f} words/s")
