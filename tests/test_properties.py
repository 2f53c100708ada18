"""Property tests on random text: segmentation never fails and its offsets are always sound."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpuskit import readers, segment

TOKENS = [
    "Mr.", "Dr.", "U.S.", "a.m.", "St", "F.", "No.", "1.6km", "$2.5", "...", "…", "the", "The",
    "said", "Frey", "SPEAKER:", "“", "”", '"', "’", "(", ")", ".", "!", "?", ",", "Shame!",
    "said.", "word", "Heading", "e.g.", "—", "\n", "\n\n", " \n \n", "\t", "  ", "\r\n",
]  # fmt: skip
news_like = st.lists(st.sampled_from(TOKENS), max_size=80).map(" ".join)
anything = st.text(max_size=300)
texts = st.one_of(news_like, anything)


def check_paragraphs(text: str, paras) -> None:
    prev_end = 0
    for s, e, h in paras:
        assert 0 <= prev_end <= s < e <= len(text)
        assert isinstance(h, bool)
        chunk = text[s:e]
        assert chunk == chunk.strip() and chunk
        assert not text[prev_end:s].strip(), "non-white text between paragraphs"
        prev_end = e
    assert not text[prev_end:].strip(), "non-white text after the last paragraph"


@settings(max_examples=300, deadline=None)
@given(texts)
def test_paragraphs_are_ordered_trimmed_and_cover_all_text(text):
    check_paragraphs(text, segment.paragraphs(text))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_sentences_lie_in_their_paragraph_and_cover_it(text):
    paras = segment.paragraphs(text)
    sents = segment.sentences(text, paras)
    by_para: dict[int, list[tuple[int, int]]] = {}
    prev = (-1, 0)
    for p, s, e in sents:
        ps, pe, heading = paras[p]
        assert not heading
        assert ps <= s < e <= pe
        assert (p, s) > prev and s >= prev[1] or p > prev[0]
        assert text[s:e] == text[s:e].strip()
        by_para.setdefault(p, []).append((s, e))
        prev = (p, e)
    for i, (ps, pe, heading) in enumerate(paras):
        if heading:
            continue
        spans = by_para[i]
        assert spans[0][0] == ps and spans[-1][1] == pe
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            assert e1 <= s2 and not text[e1:s2].strip()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(news_like)
def test_reading_is_independent_of_encoding_and_line_endings(text):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results = []
        crlf = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
        for name, data in (
            ("a.txt", text.encode("utf-8")),
            ("b.txt", crlf.encode("utf-16")),
            ("c.txt", text.encode("utf-8-sig")),
        ):
            (root / name).write_bytes(data)
            entry, docs = readers.read_file(root / name, root, "x")
            results.append((entry["status"], entry["reason"], [d["text"] for d in docs]))
        assert results[0] == results[1] == results[2]
        status, _, docs = results[0]
        if status == "ok":
            check_paragraphs(docs[0], segment.paragraphs(docs[0]))


EXTENSIONS = [".txt", ".md", ".html", ".csv", ".tsv", ".json", ".jsonl", ".csv.gz", ".xyz"]
structured = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(TOKENS + ["{", "}", "[", "]", ":", ",", '"text"', "\x00", "---"]))
    .map(" ".join)
    .map(str.encode),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(EXTENSIONS), structured)
def test_read_file_never_raises_on_random_bytes(ext, data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{ext}"
        path.write_bytes(data)
        entry, docs = readers.read_file(path, Path(tmp), "f")
    assert entry["status"] in ("ok", "skipped")
    if entry["status"] == "skipped":
        assert entry["reason"] and "\n" not in entry["reason"] and docs == []
    else:
        assert docs and all(d["text"] == d["text"].strip() and d["text"] for d in docs)
