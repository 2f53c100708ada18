"""The framing report: the tables and figures it shows, and deterministic notebook execution/export.

Tables are plain functions of a Corpus (so tests can pin them); figures are SVG strings with fixed
ids and no dates; `build_html` runs a jupytext notebook headless and exports HTML whose bytes depend
only on the inputs and the locked dependency versions.
"""

from __future__ import annotations

import dataclasses
import html
import io
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from corpuskit.errors import UsageError

UNATTRIBUTED = "(unattributed)"
OTHER_SIDE = "other"

# ---------------------------------------------------------------------------------------------
# Sides: which speakers are compared with which
# ---------------------------------------------------------------------------------------------


def load_side_rules(path: str | os.PathLike | None) -> dict[str, list[str]]:
    """Side name -> patterns, from a YAML file (`side: [pattern, ...]`), in file order; {} for None."""
    if path is None:
        return {}
    import yaml

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"side rules file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"side rules file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise UsageError(f"side rules file {path} must map each side to a list of patterns")
    return {str(side): [str(p) for p in patterns] for side, patterns in data.items()}


def _rule_regex(patterns: list[str]) -> re.Pattern | None:
    """One case-insensitive whole-word regex for patterns, `*` matching the rest of a word."""
    parts = [re.escape(p.strip()).replace(r"\*", r"\w*") for p in patterns if p.strip()]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def speaker_sides(
    speakers: pd.DataFrame, rules: dict[str, list[str]] | None = None, column: str = "side"
) -> pd.Series:
    """The side of each speaker (indexed like `speakers`).

    The speakers' own `column` wins when present (speaker metadata); otherwise the first rule whose
    pattern occurs in the speaker's organization or role (or name, for groups and organizations);
    otherwise the organization; else "other".
    """
    rules = rules or {}
    if column in speakers.columns:
        own = speakers[column].astype("string")
    else:
        own = pd.Series(pd.NA, index=speakers.index, dtype="string")
    compiled = [(side, _rule_regex(p)) for side, p in rules.items()]
    sides = []
    for idx, row in speakers.iterrows():
        if pd.notna(own.loc[idx]) and str(own.loc[idx]).strip():
            sides.append(str(own.loc[idx]).strip())
            continue
        fields = ["organization", "role"] + (["speaker"] if row.get("kind") != "person" else [])
        where = " | ".join(str(row.get(c)) for c in fields if pd.notna(row.get(c, pd.NA)))
        side = next((s for s, rx in compiled if rx is not None and rx.search(where)), None)
        if side is None:
            org = row.get("organization", pd.NA)
            side = str(org) if pd.notna(org) and str(org).strip() else OTHER_SIDE
        sides.append(side)
    return pd.Series(sides, index=speakers.index, dtype="string", name="side")


def contrast_groups(
    summary: pd.DataFrame, rules: dict[str, list[str]] | None = None
) -> tuple[str, str] | None:
    """The two sides to contrast: the first two rule sides that have speakers, else the two sides
    with the most quoted words (never "other" when avoidable); None when fewer than two sides."""
    if summary.empty:
        return None
    present = list(dict.fromkeys(summary["side"].dropna().astype(str)))
    ordered = [s for s in (rules or {}) if s in present]
    if len(ordered) >= 2:
        return ordered[0], ordered[1]
    words = summary.groupby("side", sort=True)["n_words"].sum()
    ranked = sorted(words.index, key=lambda s: (s == OTHER_SIDE, -int(words[s]), s))
    chosen = list(dict.fromkeys(ordered + ranked))
    return (chosen[0], chosen[1]) if len(chosen) >= 2 else None


# ---------------------------------------------------------------------------------------------
# Tables the report shows
# ---------------------------------------------------------------------------------------------


def corpus_overview(corpus) -> pd.DataFrame:
    """One row per document: id, date, title, words, paragraphs, sentences, quotes."""
    docs = corpus.documents
    cols = ["doc_id", "date", "title", "n_words", "paragraphs", "sentences", "quotes"]
    if docs.empty:
        return pd.DataFrame(columns=cols)

    def per_doc(table: pd.DataFrame) -> pd.Series:
        if table.empty:
            return pd.Series(0, index=docs["doc_id"], dtype="int64")
        return table.groupby("doc_id").size().reindex(docs["doc_id"], fill_value=0).astype("int64")

    out = docs[["doc_id", "date", "title", "n_words"]].copy()
    out["paragraphs"] = per_doc(corpus.paragraphs).to_numpy()
    out["sentences"] = per_doc(corpus.sentences).to_numpy()
    out["quotes"] = per_doc(corpus.quotes).to_numpy()
    return out.sort_values(["date", "doc_id"], na_position="last", kind="stable").reset_index(
        drop=True
    )


def speakers_summary(
    corpus, rules: dict[str, list[str]] | None = None, side_column: str = "side"
) -> pd.DataFrame:
    """One row per speaker: name, kind, role, organization, side, quotes, words and voice share.

    Voice share is the speaker's share of all attributed quoted words (from speaker_features when
    the framing stage provides it). Sorted by words, then name, so the order is stable.
    """
    cols = [
        "speaker_id",
        "speaker",
        "kind",
        "role",
        "organization",
        "side",
        "n_quotes",
        "n_words",
        "voice_share",
    ]
    speakers = corpus.speakers
    if speakers.empty:
        return pd.DataFrame(columns=cols)
    out = speakers.copy()
    out["side"] = speaker_sides(out, rules, column=side_column)
    feats = corpus.speaker_features
    if not feats.empty and "voice_share" in feats and feats["voice_share"].notna().any():
        share = feats.drop_duplicates("speaker_id").set_index("speaker_id")["voice_share"]
        out["voice_share"] = out["speaker_id"].map(share).astype("float64")
    else:
        total = out["n_words"].sum()
        out["voice_share"] = (out["n_words"] / total) if total else 0.0
    out = out[cols].sort_values(
        ["n_words", "n_quotes", "speaker", "speaker_id"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return out.reset_index(drop=True)


def quotes_table(corpus) -> pd.DataFrame:
    """Every quote in reading order: document, paragraph, speaker, cue, kind and text."""
    cols = ["doc_id", "paragraph", "speaker", "cue", "kind", "text"]
    quotes = corpus.quotes
    if quotes.empty:
        return pd.DataFrame(columns=cols)
    out = quotes.sort_values(["doc_id", "start", "end", "quote_id"], kind="stable")
    out = out[cols].copy()
    out["speaker"] = out["speaker"].fillna(UNATTRIBUTED)
    return out.reset_index(drop=True)


def attribution_verbs(corpus) -> pd.DataFrame:
    """Speaker x attribution verb counts (lower-cased cues), speakers by quotes then name."""
    quotes = corpus.quotes
    if quotes.empty or quotes["cue"].isna().all():
        return pd.DataFrame()
    q = quotes.dropna(subset=["cue"]).copy()
    q["speaker"] = q["speaker"].fillna(UNATTRIBUTED).astype(str)
    q["cue"] = q["cue"].astype(str).str.strip().str.lower()
    table = pd.crosstab(q["speaker"], q["cue"])
    verb_order = sorted(table.columns, key=lambda c: (-int(table[c].sum()), c))
    speaker_order = sorted(table.index, key=lambda s: (-int(table.loc[s].sum()), s))
    table = table.loc[speaker_order, verb_order]
    table.index.name, table.columns.name = "speaker", None
    return table.astype("int64")


FRAME_SUFFIXES = ("_low", "_high", "_n")  # interval bounds and match counts beside each frame rate


def frame_names(features: pd.DataFrame) -> list[str]:
    """The frames scored in speaker_features (`frame_<name>` columns, without interval bounds)."""
    return [
        c[len("frame_") :]
        for c in features.columns
        if c.startswith("frame_") and not c.endswith(FRAME_SUFFIXES)
    ]


def frame_rates(corpus, speakers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Speaker x frame rates (matches per 1,000 words), in the order of the speakers summary."""
    feats = corpus.speaker_features
    names = frame_names(feats)
    if feats.empty or not names:
        return pd.DataFrame()
    table = feats.drop_duplicates("speaker_id").set_index("speaker_id")
    table = table[[f"frame_{n}" for n in names]].astype("float64")
    table.columns = names
    order = list(speakers["speaker_id"]) if speakers is not None and len(speakers) else []
    order = [s for s in order if s in table.index] + sorted(set(table.index) - set(order))
    labels = feats.drop_duplicates("speaker_id").set_index("speaker_id")["speaker"]
    table = table.loc[order]
    table.index = [str(labels.get(s)) if pd.notna(labels.get(s)) else str(s) for s in order]
    table.index.name = "speaker"
    return table


def predicted_frames(corpus, speakers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Speaker x predicted-frame share (`pred_<frame>` columns of a frame classifier), if any."""
    feats = corpus.speaker_features
    cols = [c for c in feats.columns if c.startswith("pred_")]
    if feats.empty or not cols:
        return pd.DataFrame()
    table = feats.drop_duplicates("speaker_id").set_index("speaker_id")[cols].astype("float64")
    table.columns = [c[len("pred_") :] for c in cols]
    order = list(speakers["speaker_id"]) if speakers is not None and len(speakers) else []
    order = [s for s in order if s in table.index] + sorted(set(table.index) - set(order))
    labels = feats.drop_duplicates("speaker_id").set_index("speaker_id")["speaker"]
    table = table.loc[order]
    table.index = [str(labels.get(s)) for s in order]
    table.index.name = "speaker"
    return table


def frame_evidence_terms(corpus) -> pd.DataFrame:
    """Per speaker and frame: the matched words (with counts), endorsed and contested apart."""
    ev = corpus.frame_evidence
    cols = ["speaker", "frame", "evidence", "contested"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    ev = ev.copy()
    ev["speaker"] = ev["speaker"].fillna(UNATTRIBUTED).astype(str)
    ev["word"] = ev["match"].fillna(ev["term"]).astype(str).str.lower()

    def listing(words: pd.Series) -> str:
        counts = words.value_counts()
        ordered = sorted(counts.index, key=lambda w: (-int(counts[w]), w))
        return "; ".join(w if counts[w] == 1 else f"{w} ×{counts[w]}" for w in ordered)

    rows = []
    for (speaker, frame), group in ev.groupby(["speaker", "frame"], sort=True):
        rejected = group["rejected"].fillna(False).astype(bool)
        rows.append(
            {
                "speaker": speaker,
                "frame": frame,
                "evidence": listing(group.loc[~rejected, "word"]),
                "contested": listing(group.loc[rejected, "word"]),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def with_sides(corpus, summary: pd.DataFrame):
    """A copy of the corpus whose speakers table carries the report's `side` column."""
    side = summary.set_index("speaker_id")["side"]
    speakers = corpus.speakers.copy()
    speakers["side"] = speakers["speaker_id"].map(side).astype("string")
    return dataclasses.replace(corpus, speakers=speakers)


def provenance(corpus, root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The manifest's inputs: path (relative to `root` when inside it), sha256, status, reason."""
    cols = ["path", "sha256", "status", "reason"]
    inputs = (corpus.manifest or {}).get("inputs") or []
    if not inputs:
        return pd.DataFrame(columns=cols)
    rows = [{c: entry.get(c) for c in cols} for entry in inputs]
    out = pd.DataFrame(rows, columns=cols)
    out["path"] = [display_path(p, root) for p in out["path"]]
    return out.sort_values(["path", "sha256"], kind="stable").reset_index(drop=True)


def display_path(path, root: str | os.PathLike | None = None) -> str:
    """`path` relative to `root` (default: the working folder) when inside it, else unchanged."""
    if path is None or not os.path.isabs(str(path)):
        return "" if path is None else str(path)
    root = os.path.abspath(root or os.getcwd())
    try:
        rel = os.path.relpath(str(path), root)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


# ---------------------------------------------------------------------------------------------
# HTML fragments (every piece of document text is escaped)
# ---------------------------------------------------------------------------------------------


def html_table(
    df: pd.DataFrame,
    caption: str | None = None,
    max_rows: int | None = None,
    index: bool = False,
    formats: dict | None = None,
    classes: str = "ck-table",
) -> str:
    """An escaped HTML table; long tables are cut to `max_rows` with a note saying so."""
    shown = df if max_rows is None or len(df) <= max_rows else df.head(max_rows)
    # Missing values show as empty cells (na_rep does not reach pandas' NA in string columns).
    cells = shown.astype(object).where(shown.notna(), "")
    body = cells.to_html(
        index=index,
        escape=True,
        na_rep="",
        border=0,
        classes=classes,
        formatters=formats,
        float_format=lambda x: f"{x:.2f}",
    )
    parts = []
    if caption:
        parts.append(f'<p class="ck-caption">{html.escape(caption)}</p>')
    parts.append(body)
    if len(shown) < len(df):
        parts.append(note(f"Showing the first {max_rows:,} of {len(df):,} rows."))
    return "\n".join(parts)


def shorten(text, limit: int = 400) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with "…" when cut."""
    text = "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + " …"


def note(text: str) -> str:
    """A short escaped remark, e.g. why a section has nothing to show."""
    return f'<p class="ck-note">{html.escape(text)}</p>'


def plain(text: str) -> str:
    """An escaped paragraph of prose."""
    return f"<p>{html.escape(text)}</p>"


# ---------------------------------------------------------------------------------------------
# Figures: SVG with fixed ids and no date
# ---------------------------------------------------------------------------------------------

FIGURE_RC = {
    "svg.hashsalt": "corpuskit",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
}
PAGE_WIDTH = 8.0  # inches: fits the report's text column
SIDE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
OTHER_COLOUR = "#9a9a9a"


def setup_figures() -> None:
    """Matplotlib settings for reproducible, legible report figures (headless Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(FIGURE_RC)


def svg(fig) -> str:
    """The figure as an SVG string without date, creator or varying ids; closes the figure."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buf.getvalue()


def side_colours(sides: Iterable[str]) -> dict[str, str]:
    """A fixed colour per side, in the order given ("other" grey)."""
    colours, i = {}, 0
    for side in dict.fromkeys(sides):
        if side == OTHER_SIDE:
            colours[side] = OTHER_COLOUR
        else:
            colours[side] = SIDE_COLOURS[i % len(SIDE_COLOURS)]
            i += 1
    return colours


def label(text) -> str:
    """Text for a matplotlib label, shown literally (a `$` would otherwise start mathtext)."""
    return str(text).replace("$", r"\$")


def labels(values) -> list[str]:
    """`label` of each value."""
    return [label(v) for v in values]


def _height(n_rows: int, per_row: float = 0.34, extra: float = 1.3) -> float:
    return min(max(extra + per_row * n_rows, 2.4), 14.0)


def plot_voice_share(summary: pd.DataFrame, colours: dict[str, str], top: int = 25):
    """Horizontal bars: each speaker's share of quoted words, coloured by side."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    data = summary.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, _height(len(data))))
    ax.barh(
        labels(data["speaker"]), data["voice_share"] * 100, color=[colours[s] for s in data["side"]]
    )
    for y, (share, n) in enumerate(zip(data["voice_share"], data["n_quotes"], strict=True)):
        ax.text(share * 100, y, f"  {share:.0%} · {n} quote{'s' if n != 1 else ''}", va="center")
    ax.set_xlabel("share of all quoted words (%)")
    ax.set_xlim(0, max(100 * float(data["voice_share"].max()) * 1.35, 5))
    ax.set_title("Who speaks: share of quoted words per speaker")
    used = list(dict.fromkeys(summary.head(top)["side"]))
    ax.legend(
        handles=[Patch(color=colours[s], label=label(s)) for s in used],
        title="side",
        loc="lower right",
        frameon=False,
    )
    return fig


def plot_sentiment(features: pd.DataFrame, summary: pd.DataFrame, colours: dict[str, str]):
    """Dot-and-whisker: mean VADER compound sentiment per speaker with its bootstrap interval."""
    import matplotlib.pyplot as plt

    side = summary.set_index("speaker_id")["side"]
    data = features.dropna(subset=["sentiment"]).copy()
    data["side"] = data["speaker_id"].map(side).fillna(OTHER_SIDE)
    order = {sid: i for i, sid in enumerate(summary["speaker_id"])}
    data["order"] = data["speaker_id"].map(order).fillna(len(order))
    data = data.sort_values(["order", "speaker"], kind="stable").iloc[::-1]
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, _height(len(data))))
    y = range(len(data))
    low = (data["sentiment"] - data["sentiment_low"].fillna(data["sentiment"])).clip(lower=0)
    high = (data["sentiment_high"].fillna(data["sentiment"]) - data["sentiment"]).clip(lower=0)
    ax.errorbar(
        data["sentiment"], list(y), xerr=[low, high], fmt="none", ecolor="#555555", capsize=3
    )
    ax.scatter(
        data["sentiment"],
        list(y),
        c=[colours.get(s, OTHER_COLOUR) for s in data["side"]],
        s=60,
        zorder=3,
    )
    ax.axvline(0, color="#999999", lw=0.8, ls="--")
    ax.set_yticks(list(y), labels(data["speaker"]))
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("VADER compound sentiment of the speaker's quotes (−1 negative … +1 positive)")
    ax.set_title("Sentiment per speaker, with bootstrap intervals")
    return fig


def plot_frame_heatmap(
    rates: pd.DataFrame,
    title: str = "Frames per speaker (dictionary matches per 1,000 words)",
    label: str = "matches per 1,000 words",
):
    """Heatmap: frame rates, speakers by frames, with the value in each cell."""
    import matplotlib.pyplot as plt
    import numpy as np

    values = rates.to_numpy(dtype=float)
    width = min(max(PAGE_WIDTH * 0.55 + 0.9 * len(rates.columns), 5.0), PAGE_WIDTH)
    fig, ax = plt.subplots(figsize=(width, _height(len(rates), per_row=0.42)))
    top = float(np.nanmax(values)) if np.isfinite(values).any() and np.nanmax(values) > 0 else 1.0
    im = ax.imshow(values, cmap="Oranges", vmin=0, vmax=top, aspect="auto")
    ax.set_xticks(range(len(rates.columns)), labels(rates.columns), rotation=30, ha="right")
    ax.set_yticks(range(len(rates)), labels(rates.index))
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(
                j,
                i,
                f"{v:.0f}",
                ha="center",
                va="center",
                color="white" if v > top * 0.6 else "black",
                fontsize=9,
            )
    ax.spines[:].set_visible(False)
    fig.colorbar(im, ax=ax, label=label, shrink=0.8)
    ax.set_title(title)
    return fig


def plot_contrast(table: pd.DataFrame, groups: tuple[str, str], colours: dict[str, str], top=12):
    """Diverging bars of the z-scored log-odds: the terms most typical of each side."""
    import matplotlib.pyplot as plt

    table = table.dropna(subset=["z"])
    a = table[table["z"] > 0].sort_values(["z", "term"], ascending=[False, True]).head(top)
    b = table[table["z"] < 0].sort_values(["z", "term"], ascending=[True, True]).head(top)
    data = pd.concat([b, a.iloc[::-1]])
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, _height(len(data), per_row=0.3)))
    colour = [colours.get(groups[0] if z > 0 else groups[1], OTHER_COLOUR) for z in data["z"]]
    ax.barh(range(len(data)), data["z"], color=colour)
    ticks = [
        label(f"{t}  ({int(ca)} / {int(cb)})")
        for t, ca, cb in zip(data["term"], data["count_a"], data["count_b"], strict=True)
    ]
    ax.set_yticks(range(len(data)), ticks)
    ax.axvline(0, color="#555555", lw=0.8)
    a, b = label(groups[0]), label(groups[1])
    ax.set_xlabel(
        f"z-score of the log-odds ratio   (← more {b}  |  more {a} →)\n"
        f"word (times used by {a} / by {b})"
    )
    ax.set_title(f"Words that set {a} apart from {b}")
    return fig


def plot_attribution_verbs(verbs: pd.DataFrame, top_speakers: int = 15, top_verbs: int = 8):
    """Stacked bars: how the journalist attributes each speaker's words (said, alleged, ...)."""
    import matplotlib.pyplot as plt

    table = verbs.head(top_speakers)
    if table.shape[1] > top_verbs:
        kept = table.iloc[:, :top_verbs].copy()
        kept["other verbs"] = table.iloc[:, top_verbs:].sum(axis=1)
        table = kept
    table = table.loc[:, table.sum(axis=0) > 0].iloc[::-1]
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, _height(len(table))))
    left = pd.Series(0, index=table.index, dtype="int64")
    cmap = plt.get_cmap("tab10")
    for i, verb in enumerate(table.columns):
        ax.barh(labels(table.index), table[verb], left=left, color=cmap(i % 10), label=label(verb))
        left = left + table[verb]
    ax.set_xlabel("quotes")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Attribution verbs the journalist uses for each speaker")
    ax.legend(title="verb", loc="lower right", frameon=False)
    return fig


def plot_quote_map(corpus, summary: pd.DataFrame, colours: dict[str, str], top: int = 15):
    """Where each speaker's quotes fall in the text: paragraph position per document."""
    import matplotlib.pyplot as plt

    quotes = corpus.quotes.dropna(subset=["speaker_id"])
    shown = summary.head(top)
    quotes = quotes[quotes["speaker_id"].isin(shown["speaker_id"])]
    n_par = corpus.paragraphs.groupby("doc_id")["paragraph"].max() + 1
    pos = quotes["paragraph"] / quotes["doc_id"].map(n_par).clip(lower=1)
    rows = {sid: i for i, sid in enumerate(shown["speaker_id"].iloc[::-1])}
    side = shown.set_index("speaker_id")["side"]
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, _height(len(rows))))
    ax.scatter(
        pos * 100,
        quotes["speaker_id"].map(rows),
        c=[colours.get(side[s], OTHER_COLOUR) for s in quotes["speaker_id"]],
        s=70,
        alpha=0.8,
    )
    ax.set_yticks(list(rows.values()), labels(shown["speaker"].iloc[::-1]))
    ax.set_xlim(-3, 103)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel("position of the quote in its document (% of paragraphs; 0 = lede)")
    ax.set_title("Where each speaker is quoted in the text")
    ax.grid(axis="x", color="#e5e5e5")
    return fig


# ---------------------------------------------------------------------------------------------
# Notebook execution and export
# ---------------------------------------------------------------------------------------------

KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "Agg",
    "SOURCE_DATE_EPOCH": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "TQDM_DISABLE": "1",
}


def read_notebook(source: str | os.PathLike):
    """A notebook from a jupytext percent-format `.py` (or an `.ipynb`), without outputs."""
    import jupytext

    nb = jupytext.read(str(source))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def inject_parameters(nb, params: dict) -> None:
    """Insert a cell assigning `params` right after the cell tagged `parameters` (else first)."""
    import nbformat

    if not params:
        return
    lines = [f"{name} = {value!r}" for name, value in sorted(params.items())]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = ["injected-parameters"]
    where = next(
        (i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), 0
    )
    nb.cells.insert(where, cell)


def execute_notebook(nb, cwd: str | os.PathLike, timeout: int = 600):
    """Run every cell headless in a python3 kernel of *this* interpreter, working in `cwd`."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    # Only the native kernel (ipykernel of sys.executable), never a user-installed "python3".
    km = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        record_timing=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no start-up chatter on stderr
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env={**os.environ, **KERNEL_ENV})
    return nb


def normalise_notebook(nb, title: str) -> list[str]:
    """Strip what varies between runs (metadata, ids, counts, stderr); return the stderr text."""
    nb.metadata = {"title": title}
    nb.nbformat, nb.nbformat_minor = 4, 5
    stderr = []
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        kept = []
        for out in cell.outputs:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                stderr.append(out.get("text", ""))
                continue
            out.pop("execution_count", None)
            if "metadata" in out:  # keep only a figure's alternative text
                out["metadata"] = {k: v for k, v in out["metadata"].items() if k == "alt"}
            if out.get("output_type") == "execute_result":
                out["output_type"] = "display_data"
            kept.append(out)
        cell.outputs = kept
    return stderr


def export_html(nb, template_dir: str | os.PathLike | None = None, template: str = "lab") -> str:
    """HTML of an executed notebook with code hidden, via nbconvert's exporter."""
    from nbconvert import HTMLExporter

    extra = [str(template_dir)] if template_dir else []
    exporter = HTMLExporter(
        template_name=template,
        extra_template_basedirs=extra,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": nb.metadata.get("title", "report")}}
    )
    return body


def build_html(
    source: str | os.PathLike,
    out: str | os.PathLike,
    params: dict | None = None,
    cwd: str | os.PathLike | None = None,
    template_dir: str | os.PathLike | None = None,
    template: str = "lab",
    title: str | None = None,
) -> list[str]:
    """Execute notebook `source` with `params` and write its HTML to `out`; returns its stderr."""
    source = Path(source)
    nb = read_notebook(source)
    inject_parameters(nb, params or {})
    execute_notebook(nb, cwd or os.getcwd())
    stderr = normalise_notebook(nb, title or source.stem.replace("_", " "))
    text = export_html(nb, template_dir=template_dir, template=template)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(text.encode("utf-8"))
    return stderr


def interpreter() -> str:
    """The interpreter running the kernels (for the report's methods section)."""
    return f"Python {sys.version_info.major}.{sys.version_info.minor}"
