"""The framing report: its tables, figures, escaping, and notebook builds that repeat byte for byte."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import corpuskit
from corpuskit import report as rp
from corpuskit.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
REPORTS = ROOT / "reports"
SCRIPT = "<script>alert(1)</script>"

TINY = {
    "a.txt": (
        " date 2026-02-01 Officials and the city disagree about a raid.\n\n"
        f"“{SCRIPT} We acted defensively to protect the public,” Department of Homeland "
        "Security (DHS) spokeswoman Ann Smith said in a statement.\n\n"
        "Mayor Jane Doe alleged the agents acted “recklessly”, adding they are “causing chaos”.\n"
    ),
    "b.txt": (
        " date 2026-02-02 The mayor spoke again on Monday.\n\n"
        "“This was reckless and it must stop,” Doe said at a news conference.\n"
    ),
}


@pytest.fixture(scope="module")
def seeds():
    return corpuskit.read(SEEDS, progress=False)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    for name, text in TINY.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _build(folder: Path, out: Path) -> bytes:
    """Build the framing report on `folder` into `out` as make.py does; return the HTML bytes."""
    stderr = rp.build_html(
        REPORTS / "framing.py",
        out,
        params={"INPUTS": [str(folder)], "SIDES": str(REPORTS / "sides.yaml"), "ROOT": str(folder)},
        cwd=ROOT,
        template_dir=REPORTS / "templates",
        template="corpuskit",
        title="framing",
    )
    assert stderr == []
    return out.read_bytes()


@pytest.fixture(scope="module")
def tiny_builds(tiny_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("builds")
    return _build(tiny_dir, out / "one" / "framing.html"), _build(tiny_dir, out / "two" / "f.html")


# --- the report's tables, pinned on the seed article ---------------------------------------


def _records(df: pd.DataFrame) -> list[dict]:
    df = df.astype(object).where(df.notna(), None)
    return [
        {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
        for row in df.to_dict("records")
    ]


def test_speakers_summary_of_the_seed(seeds, data_regression):
    summary = rp.speakers_summary(seeds, rp.load_side_rules(REPORTS / "sides.yaml"))
    assert {"Jacob Frey", "Tricia McLaughlin", "Kristi Noem"} <= set(summary["speaker"])
    side = summary.set_index("speaker")["side"]
    assert side["Jacob Frey"] == "local voices"
    assert side["Kristi Noem"] == side["Tricia McLaughlin"] == "federal officials"
    assert summary["voice_share"].sum() == pytest.approx(1.0)
    data_regression.check(_records(summary))


def test_quotes_table_of_the_seed(seeds, data_regression):
    quotes = rp.quotes_table(seeds)
    assert list(quotes.columns) == ["doc_id", "paragraph", "speaker", "cue", "kind", "text"]
    assert quotes["paragraph"].is_monotonic_increasing
    data_regression.check(_records(quotes))


def test_attribution_verbs_of_the_seed(seeds, data_regression):
    verbs = rp.attribution_verbs(seeds)
    assert verbs.loc["Jacob Frey", "alleged"] >= 1
    data_regression.check(
        {s: {v: int(n) for v, n in row.items() if n} for s, row in verbs.iterrows()}
    )


def test_frame_tables_of_the_seed(seeds, data_regression):
    rates = rp.frame_rates(seeds, rp.speakers_summary(seeds))
    assert {"defensive", "reckless"} <= set(rates.columns)
    assert not any(c.endswith(rp.FRAME_SUFFIXES) for c in rates.columns)
    evidence = rp.frame_evidence_terms(seeds)
    data_regression.check(_records(evidence))


def test_corpus_overview_counts_every_table(seeds):
    overview = rp.corpus_overview(seeds)
    assert overview.loc[0, "date"] == "2026-01-07"
    assert overview.loc[0, "paragraphs"] == len(seeds.paragraphs)
    assert overview.loc[0, "quotes"] == len(seeds.quotes)


# --- sides ------------------------------------------------------------------------------------


def _speakers(**columns) -> pd.DataFrame:
    base = {
        "speaker_id": ["a", "b", "c", "d"],
        "speaker": ["Ann Smith", "Jane Doe", "protesters", "Bo Lee"],
        "kind": ["person", "person", "group", "person"],
        "role": ["spokeswoman", "Mayor", None, None],
        "organization": ["DHS", None, None, "Acme Corp"],
        "n_quotes": [1, 2, 1, 1],
        "n_words": [10, 20, 5, 4],
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_sides_come_from_rules_then_organization_then_other():
    rules = {"federal": ["Homeland Security", "DHS"], "local": ["mayor", "protest*"]}
    sides = rp.speaker_sides(_speakers(), rules)
    assert list(sides) == ["federal", "local", "local", "Acme Corp"]
    assert list(rp.speaker_sides(_speakers(organization=[None] * 4))) == ["other"] * 4


def test_a_side_column_wins_over_rules():
    speakers = _speakers(side=["left", None, "right", ""])
    sides = rp.speaker_sides(speakers, {"local": ["mayor"]})
    assert list(sides) == ["left", "local", "right", "Acme Corp"]


def test_rules_match_whole_words_only():
    rules = {"federal": ["ICE"]}
    speakers = _speakers(organization=["ICE", "Police Service", None, None])
    sides = rp.speaker_sides(speakers, rules)
    assert list(sides) == ["federal", "Police Service", "other", "other"]


def test_contrast_groups_prefer_rule_order_then_words():
    summary = pd.DataFrame({"side": ["local", "federal", "other"], "n_words": [50, 10, 99]})
    assert rp.contrast_groups(summary, {"federal": [], "local": []}) == ("federal", "local")
    assert rp.contrast_groups(summary) == ("local", "federal")
    assert rp.contrast_groups(summary.head(1)) is None


def test_side_rules_file_errors_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        rp.load_side_rules(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("federal: DHS\n", encoding="utf-8")
    with pytest.raises(UsageError, match="list of patterns"):
        rp.load_side_rules(bad)


# --- HTML and figures -------------------------------------------------------------------------


def test_html_table_escapes_document_text():
    df = pd.DataFrame({"speaker": ["A & B"], "text": [SCRIPT]})
    out = rp.html_table(df, caption="<b>quotes</b>")
    assert SCRIPT not in out and "<b>quotes" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "A &amp; B" in out


def test_html_table_cuts_long_tables_and_says_so():
    out = rp.html_table(pd.DataFrame({"n": range(10)}), max_rows=3)
    assert out.count("<tr") == 4  # header + 3 rows
    assert "first 3 of 10 rows" in out


def test_svg_has_no_date_and_repeats_exactly():
    import matplotlib.pyplot as plt

    rp.setup_figures()

    def draw() -> str:
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1], label=rp.label("$5 fee"))
        ax.set_title(rp.label("costs $5 and $6"))
        return rp.svg(fig)

    first, second = draw(), draw()
    assert first == second
    assert "<dc:date>" not in first and "Matplotlib v" not in first


def test_figures_render_for_the_seed(seeds):
    rp.setup_figures()
    summary = rp.speakers_summary(seeds, rp.load_side_rules(REPORTS / "sides.yaml"))
    colours = rp.side_colours(summary["side"])
    for fig in (
        rp.plot_voice_share(summary, colours),
        rp.plot_sentiment(seeds.speaker_features, summary, colours),
        rp.plot_frame_heatmap(rp.frame_rates(seeds, summary)),
        rp.plot_attribution_verbs(rp.attribution_verbs(seeds)),
        rp.plot_quote_map(seeds, summary, colours),
    ):
        assert fig.axes[0].get_title(loc="left")
        assert rp.svg(fig).startswith("<?xml")


def test_predicted_frames_only_when_a_classifier_ran(seeds):
    assert rp.predicted_frames(seeds).empty or any(
        c.startswith("pred_") for c in seeds.speaker_features.columns
    )
    feats = pd.DataFrame(
        {
            "speaker_id": ["b", "a"],
            "speaker": ["Bo", "Al"],
            "pred_defensive": [0.25, 1.0],
            "pred_reckless": [0.75, 0.0],
        }
    )
    corpus = type("C", (), {"speaker_features": feats})()
    table = rp.predicted_frames(corpus, pd.DataFrame({"speaker_id": ["a", "b"]}))
    assert list(table.index) == ["Al", "Bo"] and list(table.columns) == ["defensive", "reckless"]
    assert table.loc["Bo", "reckless"] == 0.75


def test_contrast_plot_puts_each_side_on_its_own_half():
    rp.setup_figures()
    table = pd.DataFrame(
        {
            "term": ["defensive", "threat", "chaos", "reckless"],
            "count_a": [3, 2, 0, 0],
            "count_b": [0, 0, 2, 3],
            "log_odds": [1.0, 0.5, -0.5, -1.0],
            "z": [2.0, 1.0, -1.0, -2.0],
        }
    )
    fig = rp.plot_contrast(table, ("federal", "local"), rp.side_colours(["federal", "local"]))
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks[0].startswith("reckless") and ticks[-1].startswith("defensive")
    rp.svg(fig)


def test_display_path_is_relative_inside_root_only(tmp_path):
    assert rp.display_path(str(tmp_path / "seeds" / "a.txt"), tmp_path) == "seeds/a.txt"
    assert rp.display_path("seeds/a.txt", tmp_path) == "seeds/a.txt"
    assert rp.display_path("/elsewhere/a.txt", tmp_path) == "/elsewhere/a.txt"


def test_parameters_are_injected_after_the_parameters_cell():
    nb = rp.read_notebook(REPORTS / "framing.py")
    rp.inject_parameters(nb, {"INPUTS": ["x"], "CORPUS": None})
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    injected = nb.cells[tagged[0] + 1]
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert injected.source == "CORPUS = None\nINPUTS = ['x']"


def test_notebook_sources_hold_no_outputs():
    for source in REPORTS.glob("*.py"):
        if source.name == "make.py":
            continue
        nb = rp.read_notebook(source)
        assert nb.cells, source
        assert "# Out[" not in source.read_text(encoding="utf-8")


# --- whole notebook builds --------------------------------------------------------------------


def test_two_builds_are_byte_identical(tiny_builds):
    first, second = tiny_builds
    assert first == second


def test_report_on_a_tiny_corpus_names_speakers_and_escapes_quotes(tiny_builds):
    page = tiny_builds[0].decode("utf-8")
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Ann Smith" in page and "Jane Doe" in page
    for heading in ("The corpus", "Who speaks", "Every quote", "Methods and provenance"):
        assert heading in page
    assert page.count('<img alt="') >= 4
    for varying in ("/tmp/", "execution_count", '"language_info"', "Traceback"):
        assert varying not in page


def test_report_renders_a_corpus_without_quotes(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "a.txt").write_text("A quiet day.\n\nNothing happened in the city.\n", "utf-8")
    page = _build(folder, tmp_path / "out.html").decode("utf-8")
    assert "No quote was found in this corpus." in page
    assert "No speaker was found" in page
    assert "<img alt=" not in page
