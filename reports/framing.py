# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Who says what, and how they frame it
#
# This report reads a set of news articles (or transcripts), finds every quoted statement and who
# made it, and compares how the speakers describe the event: the words they choose, the frames
# those words belong to (for example *defensive* — self-defence, threat, protection — against
# *reckless* — recklessness, chaos, excess) and the tone of what they say. Every number comes with
# the evidence behind it, and anyone can rebuild this page byte for byte with `nox -s report`.

# %% tags=["parameters"]
# Parameters (make.py injects its own values in a cell after this one).
CORPUS = None  # a folder written by `corpuskit build`; None = build INPUTS now
INPUTS = ["seeds"]  # files or folders to read when CORPUS is None
SIDES = "reports/sides.yaml"  # side rules (YAML) used when speakers have no side column
SIDE_COLUMN = "side"  # speakers column naming each speaker's side, when present
ROOT = "."  # paths in the provenance table are shown relative to this folder

# %%
import html  # noqa: E402

import pandas as pd  # noqa: E402
from IPython.display import HTML, display  # noqa: E402

import corpuskit  # noqa: E402
from corpuskit import report as rp  # noqa: E402
from corpuskit.errors import CorpuskitError  # noqa: E402

rp.setup_figures()


def show(fragment: str) -> None:
    display(HTML(fragment))


def figure(fig) -> None:
    title = fig.axes[0].get_title(loc="left") if fig.axes else "figure"
    display({"image/svg+xml": rp.svg(fig)}, raw=True, metadata={"alt": title})


if CORPUS:
    corpus = corpuskit.Corpus.from_parquet(CORPUS)
else:
    corpus = corpuskit.read(*INPUTS, progress=False)
rules = rp.load_side_rules(SIDES) if SIDES else {}
summary = rp.speakers_summary(corpus, rules, side_column=SIDE_COLUMN)
sides_present = set(summary["side"])
colours = rp.side_colours([s for s in rules if s in sides_present] + sorted(sides_present))
features = corpus.speaker_features

# %% [markdown]
# ## The corpus

# %%
overview = rp.corpus_overview(corpus)
dates = sorted(d for d in overview["date"].dropna().astype(str) if d)
when = (
    "undated"
    if not dates
    else (f"dated {dates[0]}" if dates[0] == dates[-1] else f"from {dates[0]} to {dates[-1]}")
)
show(
    rp.plain(
        f"{len(overview):,} document{'s' if len(overview) != 1 else ''}, {when}: "
        f"{int(overview['n_words'].sum()):,} words in {int(overview['paragraphs'].sum()):,} "
        f"paragraphs and {int(overview['sentences'].sum()):,} sentences, with "
        f"{len(corpus.quotes):,} attributed statements by {len(corpus.speakers):,} speakers."
    )
)
show(
    rp.html_table(
        overview.rename(columns={"doc_id": "document", "n_words": "words"}),
        max_rows=20,
    )
)

# %% [markdown]
# ## Who speaks
#
# Each speaker once, however they are named in the text ("Mayor Jacob Frey", "Frey", "the
# mayor"), with the role and organization the text gives them, the side they are counted on in
# the comparison below, and their share of all quoted words (*voice share*).

# %%
if summary.empty:
    show(rp.note("No speaker was found in this corpus, so there is nobody to show yet."))
else:
    table = summary.drop(columns=["speaker_id"]).rename(
        columns={"n_quotes": "quotes", "n_words": "words", "voice_share": "voice share"}
    )
    show(rp.html_table(table, max_rows=60, formats={"voice share": "{:.0%}".format}))
    figure(rp.plot_voice_share(summary, colours))
    # Positions within a document only make sense for a few long documents.
    if len(corpus.documents) <= 10 and corpus.quotes["speaker_id"].notna().any():
        figure(rp.plot_quote_map(corpus, summary, colours))

# %% [markdown]
# ## Every quote
#
# Each statement with its speaker, the cue that attributes it (the verb or phrase such as
# *said*, *alleged*, *described … as*) and its kind: *direct* (inside quotation marks),
# *indirect* (reported), *mixed* (a quoted word inside reported speech), *scare* (quotation
# marks without a speaker) or *transcript*.

# %%
quotes = rp.quotes_table(corpus)
if quotes.empty:
    show(rp.note("No quote was found in this corpus."))
else:
    if quotes["doc_id"].nunique() == 1:
        quotes = quotes.drop(columns=["doc_id"])
    quotes["text"] = quotes["text"].map(lambda t: rp.shorten(t, 400))
    show(rp.html_table(quotes.rename(columns={"doc_id": "document"}), max_rows=100))
    if len(quotes) > 100:
        show(rp.note("Every quote is in the quotes table of the corpus (quotes.parquet)."))

# %% [markdown]
# ## How the journalist attributes each speaker
#
# Attribution verbs carry a judgement of their own: *said* is neutral, *alleged* keeps a
# distance, *described … as* reports a characterisation.

# %%
verbs = rp.attribution_verbs(corpus)
if verbs.empty:
    show(rp.note("No attribution verb was found, so there is nothing to compare."))
else:
    figure(rp.plot_attribution_verbs(verbs))
    show(rp.html_table(verbs.reset_index(), max_rows=60))

# %% [markdown]
# ## Tone: sentiment per speaker
#
# The mean VADER compound score of each speaker's quotes (−1 most negative, +1 most positive),
# with a bootstrap interval: a wide interval means few or mixed statements.

# %%
has_sentiment = (
    not features.empty and "sentiment" in features and features["sentiment"].notna().any()
)
if not has_sentiment:
    show(rp.note("No per-speaker sentiment is available for this corpus."))
else:
    figure(rp.plot_sentiment(features, summary, colours))
    cols = [
        c
        for c in ("speaker", "n_quotes", "sentiment", "sentiment_low", "sentiment_high")
        if c in features
    ]
    order = {sid: i for i, sid in enumerate(summary["speaker_id"])}
    tone = features.assign(_o=features["speaker_id"].map(order)).sort_values(
        ["_o", "speaker"], kind="stable"
    )[cols]
    tone = tone.rename(
        columns={"n_quotes": "quotes", "sentiment_low": "interval from", "sentiment_high": "to"}
    )
    show(rp.html_table(tone, max_rows=60))

# %% [markdown]
# ## Frames per speaker
#
# How often each speaker uses the words of each frame of the dictionary, per 1,000 quoted
# words, and the words that matched. A frame word inside a statement that rejects it ("trying to
# spin this as an action of self-defence") is listed as *contested*: it counts for the side that
# contests the frame, not as an endorsement.

# %%
rates = rp.frame_rates(corpus, summary)
evidence = rp.frame_evidence_terms(corpus)
if rates.empty:
    show(rp.note("No frame scores are available for this corpus."))
else:
    figure(rp.plot_frame_heatmap(rates))
if evidence.empty:
    show(rp.note("No frame word was matched in any quote."))
else:
    show(rp.html_table(evidence, caption="The words behind the frame scores", max_rows=200))

predicted = rp.predicted_frames(corpus, summary)
if not predicted.empty:
    show(
        rp.plain(
            "A supervised frame classifier was applied too: the share of each speaker's quotes "
            "it assigns to each frame, beside the dictionary rates above."
        )
    )
    figure(
        rp.plot_frame_heatmap(
            predicted * 100, title="Predicted frames per speaker", label="% of the speaker's quotes"
        )
    )
    show(
        rp.html_table(
            predicted.reset_index(),
            caption="Predicted frame share per speaker",
            formats={c: "{:.0%}".format for c in predicted.columns},
        )
    )

# %% [markdown]
# ## The two sides compared
#
# Which words set one side's statements apart from the other's: the log-odds ratio of each
# word between the two sides, with an informative Dirichlet prior from the whole corpus, as a
# z-score (Monroe, Colaresi & Quinn 2008), leaving out common function words (scikit-learn's
# English stop list). Bars to the right are words typical of the first side, to the left of the
# second; the numbers are how often each side used the word.

# %%
groups = rp.contrast_groups(summary, rules)
if groups is None:
    show(rp.note("Fewer than two sides have speakers, so there is no comparison to make."))
else:
    members = {
        g: ", ".join(summary.loc[summary["side"] == g, "speaker"].astype(str).head(8))
        for g in groups
    }
    show(
        "<p>"
        + "<br>".join(f"<b>{html.escape(g)}</b>: {html.escape(members[g])}" for g in groups)
        + "</p>"
    )
    try:
        contrast = rp.with_sides(corpus, summary).contrast(
            by="side", groups=list(groups), stop_words="english"
        )
    except ImportError:
        contrast = None
        show(rp.note("The contrast stage is not available in this version of corpuskit."))
    except CorpuskitError as exc:
        contrast = None
        show(rp.note(f"No contrast could be computed: {exc}"))
    if contrast is not None and contrast.empty:
        show(rp.note("The two sides share no word frequent enough to compare."))
    elif contrast is not None:
        figure(rp.plot_contrast(contrast, groups, colours))
        top = pd.concat([contrast.head(10), contrast.tail(10)]).drop_duplicates("term")
        show(
            rp.html_table(
                top[["term", "count_a", "count_b", "log_odds", "z"]].rename(
                    columns={"count_a": groups[0], "count_b": groups[1], "log_odds": "log-odds"}
                )
            )
        )

# %% [markdown]
# ## Keywords in context
#
# Every use of *defen\** (defensive, defensively, defence…) and *reckless\** (reckless,
# recklessly…), with the words around it and who said it.

# %%
for pattern in ("defen*", "reckless*"):
    try:
        hits = corpus.kwic(pattern, window=8)
    except ImportError:
        show(rp.note("The keyword-in-context stage is not available in this version of corpuskit."))
        break
    if hits.empty:
        show(rp.note(f"No match for {pattern}."))
        continue
    cols = [c for c in ("speaker", "left", "match", "right") if c in hits]
    hits = hits[cols].copy()
    if "speaker" in hits:
        hits["speaker"] = hits["speaker"].fillna(rp.UNATTRIBUTED)
    show(rp.html_table(hits, caption=pattern, max_rows=100, classes="ck-table ck-kwic"))

# %% [markdown]
# ## Methods and provenance
#
# Statements, speakers and cues are found by corpuskit's rule-based quote extractor; aliases
# (titles, surnames, "the mayor") are resolved to one speaker per corpus. Sentiment is VADER's
# compound score; frame rates are dictionary matches per 1,000 quoted words with their evidence.
# Speakers are put on a side by their own `side` column when the speaker metadata has one, else
# by the side rules below (patterns matched in organization and role, or in the name of a group
# or organization), else by organization.
#
# **How this was made.** `nox -s report` builds the corpus from `seeds/` (or the inputs given
# after `--`), runs this notebook (`reports/framing.py`) headless and exports it with nbconvert,
# with locked dependency versions (`requirements.lock`); rebuilding gives the same bytes.

# %%
manifest = corpus.manifest or {}
lexicons = manifest.get("lexicons") or {}
frames_lex = lexicons.get("frames") or {}
facts = pd.DataFrame(
    [
        ("corpuskit", manifest.get("corpuskit", corpuskit.__version__)),
        ("frame dictionary", f"{frames_lex.get('name', '?')} {frames_lex.get('version', '')}"),
        ("sentiment lexicon", f"vaderSentiment {lexicons.get('vaderSentiment', '?')}"),
        (
            "bootstrap",
            ", ".join(
                f"{k}={v}"
                for k, v in (manifest.get("settings") or {}).items()
                if k in ("seed", "n_boot")
            ),
        ),
        ("side rules", "; ".join(f"{s}: {', '.join(p)}" for s, p in rules.items()) or "none"),
        ("sides from column", SIDE_COLUMN if SIDE_COLUMN in corpus.speakers else "(not present)"),
    ],
    columns=["what", "value"],
)
show(rp.html_table(facts))
show(rp.html_table(rp.provenance(corpus, ROOT), caption="Inputs (SHA-256 of each file)"))
