"""Contrasts: log-odds with an informative Dirichlet prior between groups of speakers or documents."""

from __future__ import annotations

import json
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corpuskit.contrast import contrast
from corpuskit.errors import UsageError

HERE = Path(__file__).resolve().parent
CORPORA = Path("/work/shared/corpora/political_data.json")
FEDERAL = ["Tricia McLaughlin", "Kristi Noem"]
REPUBLICAN = ["government", "business", "story", "success", "administration", "unemployment"]
DEMOCRAT = ["obama", "middle", "class", "auto", "health", "women", "medicare"]


@pytest.fixture(scope="module")
def seed():
    """The seed's attributed quotes (frozen from a build, checked by eye) with a `side` column."""
    rows = json.loads((HERE / "data" / "contrast_seed_quotes.json").read_text(encoding="utf-8"))
    quotes = pd.DataFrame(rows)
    quotes["speaker_id"] = quotes["speaker"].str.lower().str.replace(" ", "-")
    speakers = quotes.groupby("speaker_id", as_index=False)["speaker"].first()
    side = {"Tricia McLaughlin": "federal", "Kristi Noem": "federal", "Jacob Frey": "local"}
    speakers["side"] = speakers["speaker"].map(side)
    return types.SimpleNamespace(quotes=quotes, speakers=speakers, documents=None)


def political(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    docs = pd.DataFrame(
        [
            {"doc_id": f"{g['name']}{i}", "text": text, "name": g["name"]}
            for g in data
            for i, text in enumerate(g["speeches"])
        ]
    )
    return types.SimpleNamespace(documents=docs)


def hits(table, k):
    top, bottom = set(table["term"][:k]), set(table["term"][::-1][:k])
    return [w for w in REPUBLICAN if w in top], [w for w in DEMOCRAT if w in bottom]


def test_federal_against_local_puts_defence_and_terror_against_chaos(seed, dataframe_regression):
    table = contrast(seed, by="speaker", groups=[FEDERAL, ["Jacob Frey"]], min_count=1)
    z = table.set_index("term")["z"]
    for term in ("defensive", "defensively", "terrorism", "protect", "fearing"):
        assert z[term] > 0, term
    for term in ("chaos", "recklessly", "self-defence", "spin", "bullshit"):
        assert z[term] < 0, term
    assert "chaos" in set(table["term"][::-1][:5])
    shown = pd.concat([table.head(12), table.tail(12)]).round(6).reset_index(drop=True)
    dataframe_regression.check(shown)


def test_speakers_column_equals_explicit_lists(seed):
    by_side = contrast(seed, by="side", groups=["federal", "local"], min_count=1)
    by_name = contrast(seed, by="speaker", groups=[FEDERAL, ["Jacob Frey"]], min_count=1)
    assert by_side.attrs["unit"] == "speakers"
    pd.testing.assert_frame_equal(by_side, by_name)


def test_swapping_groups_negates_z_and_sorting_is_deterministic(seed):
    ab = contrast(seed, by="side", groups=["federal", "local"], min_count=1)
    ba = contrast(seed, by="side", groups=["local", "federal"], min_count=1)
    merged = ab.merge(ba, on="term")
    assert np.allclose(merged["z_x"], -merged["z_y"])
    assert (merged["count_a_x"] == merged["count_b_y"]).all()
    assert list(ab["z"]) == sorted(ab["z"], reverse=True)
    ties = ab[ab["z"] == ab["z"].iloc[0]]
    assert list(ties["term"]) == sorted(ties["term"])


def test_min_count_and_bigrams(seed):
    table = contrast(seed, by="side", groups=["federal", "local"], ngram=2, min_count=2)
    assert ((table["count_a"] + table["count_b"]) >= 2).all()
    assert any(" " in t for t in table["term"])
    assert {"count_a", "count_b", "log_odds", "z", "n_texts_a", "n_texts_b"} <= set(table.columns)


def test_one_group_against_the_rest_and_several_groups(seed):
    alone = contrast(seed, by="speaker", groups=["Jacob Frey"], min_count=1)
    assert alone.set_index("term").loc["chaos", "z"] > 0
    several = contrast(seed, by="speaker", groups=["Jacob Frey", "Kristi Noem", "protesters"])
    assert list(several["group"].unique()) == ["Jacob Frey", "Kristi Noem", "protesters"]
    against = contrast(
        seed, by="speaker", groups=["Jacob Frey", "Kristi Noem"], reference="the witness"
    )
    assert set(against["group"]) == {"Jacob Frey", "Kristi Noem"}


def test_unknown_column_or_group_lists_what_exists(seed):
    with pytest.raises(UsageError, match="no column 'party'.*side"):
        contrast(seed, by="party", groups=["a", "b"])
    with pytest.raises(UsageError, match="side = 'state'; available: federal, local"):
        contrast(seed, by="side", groups=["federal", "state"])
    with pytest.raises(UsageError, match="prior"):
        contrast(seed, by="side", groups=["federal", "local"], prior=-1)


def test_documents_column_on_the_committed_convention_sample():
    table = contrast(
        political(HERE / "data" / "contrast_political_sample.json"),
        "name",
        ["republican", "democrat"],
    )
    assert table.attrs["unit"] == "documents"
    rep, dem = hits(table, 50)
    assert len(rep) >= 4 and len(dem) >= 4, (rep, dem)


@pytest.mark.skipif(not CORPORA.is_file(), reason="shared corpora not available")
def test_full_convention_speeches_match_the_published_terms():
    table = contrast(political(CORPORA), "name", ["republican", "democrat"])
    rep, dem = hits(table, 20)
    assert rep == REPUBLICAN and dem == DEMOCRAT


def test_command_line_contrast_on_a_seed_build(tmp_path, capsys):
    from corpuskit.cli import main

    out = tmp_path / "build"
    assert main(["build", str(HERE.parent / "seeds"), "--out", str(out), "--no-progress"]) in (0, 3)
    capsys.readouterr()
    assert main(["contrast", str(out), "--by", "speaker", "--groups", "nobody", "x"]) == 2
    assert "available:" in capsys.readouterr().err
    speakers = set(pd.read_parquet(out / "quotes.parquet")["speaker"].dropna())
    if not {"Kristi Noem", "Jacob Frey"} <= speakers:
        pytest.skip("the quotes stage does not attribute the seed's officials yet")
    csv = tmp_path / "c.csv"
    args = ["contrast", str(out), "--by", "speaker", "--groups", "Kristi Noem", "Jacob Frey"]
    assert main([*args, "--out", str(csv)]) == 0
    table = pd.read_csv(csv)
    assert list(table.columns[:5]) == ["term", "count_a", "count_b", "log_odds", "z"]
    assert table.set_index("term").loc["chaos", "z"] < 0


def test_package_level_functions_stay_callable_after_submodule_import(seed):
    import corpuskit
    import corpuskit.contrast  # noqa: F401  (binds the submodule to corpuskit.contrast)

    table = corpuskit.contrast(seed, by="side", groups=["federal", "local"], min_count=1)
    assert table.set_index("term").loc["chaos", "z"] < 0
