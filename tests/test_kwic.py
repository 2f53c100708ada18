"""Keyword in context: words, phrases and wildcards in the documents, with the speaker."""

from __future__ import annotations

import types
from pathlib import Path

import pandas as pd
import pytest

from corpuskit.errors import UsageError
from corpuskit.kwic import compile_pattern, kwic

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def corpus():
    text = SEED.read_text(encoding="utf-8")
    start = text.index("They are already")
    end = text.index("bulls**t") + len("bulls**t")
    docs = pd.DataFrame([{"doc_id": "seed", "text": text}])
    quotes = pd.DataFrame(
        [
            {
                "doc_id": "seed",
                "quote_id": "seed#q6",
                "speaker": "Jacob Frey",
                "start": start,
                "end": end,
            }
        ]
    )
    return types.SimpleNamespace(documents=docs, quotes=quotes)


def test_wildcard_finds_every_word_form_with_offsets(corpus):
    table = kwic(corpus, "defen*", window=3)
    text = corpus.documents.loc[0, "text"]
    assert list(table["match"]) == ["defensive", "defence", "defensively"]
    for row in table.itertuples():
        assert text[row.start : row.end] == row.match


def test_match_inside_a_quote_carries_its_speaker(corpus):
    table = kwic(corpus, "self defence", window=4)
    assert list(table["match"]) == ["self-defence"]
    row = table.iloc[0]
    assert (row["quote_id"], row["speaker"]) == ("seed#q6", "Jacob Frey")
    assert row["left"] == "as an action of"
    assert row["right"] == ". Having seen the video"


def test_outside_quotes_there_is_no_speaker(corpus):
    row = kwic(corpus, "chaos", window=2).iloc[0]
    assert pd.isna(row["speaker"]) and pd.isna(row["quote_id"])


def test_whole_words_only_and_apostrophes_either_way(corpus):
    assert kwic(corpus, "ice", window=1)["match"].str.lower().eq("ice").all()
    assert len(kwic(corpus, "they're")) == 2
    assert kwic(corpus, "zebra").empty


def test_window_zero_and_bad_patterns(corpus):
    row = kwic(corpus, "recklessly", window=0).iloc[0]
    assert (row["left"], row["right"]) == ("", "")
    for bad in ("", "  ", "*"):
        with pytest.raises(UsageError):
            compile_pattern(bad)
    with pytest.raises(UsageError):
        kwic(corpus, "x", window=-1)


def test_command_line_kwic_on_a_seed_build(tmp_path, capsys):
    from corpuskit.cli import main

    out = tmp_path / "build"
    assert main(["build", str(SEED.parent), "--out", str(out), "--no-progress"]) in (0, 3)
    capsys.readouterr()
    assert main(["kwic", str(out), "recklessly", "--window", "3"]) == 0
    assert "recklessly" in capsys.readouterr().out
    assert main(["kwic", str(out), "*"]) == 2
