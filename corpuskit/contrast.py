"""Which words distinguish one group of speakers (or documents) from another.

Log-odds ratio with an informative Dirichlet prior and its z-score (Monroe, Colaresi & Quinn
2008, "Fightin' Words", section 3.5): the prior is the word distribution of the whole corpus
(all texts of the unit) with as many pseudo-words as the corpus has words (or `prior`), so rare words are shrunk toward "no
difference" and frequent words are not over-rewarded. Counting uses scikit-learn's
CountVectorizer over the shared word definition of `corpuskit.text`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from corpuskit.errors import UsageError
from corpuskit.frames import RejectionRules, _unmask
from corpuskit.text import WORD_RE

MASKED_RE = re.compile(r"[^\W_]+(?:\*+[^\W_]*)+")
UNITS = ("speakers", "quotes", "documents")
DEFAULT_PRIOR = "corpus"  # alpha_w = the word's count in the whole corpus


def contrast(
    corpus,
    by: str,
    groups,
    ngram: int = 1,
    min_count: int = 2,
    prior: float | str = DEFAULT_PRIOR,
    unit: str = "auto",
    reference=None,
    stop_words=None,
) -> pd.DataFrame:
    """Terms typical of group A (z > 0) versus group B (z < 0), sorted by z descending.

    `by`: a column of the speakers table (texts = each speaker's quotes), of quotes, or of
    documents (texts = documents); `unit` picks one when the column is in several (auto:
    speakers, then quotes, then documents). `groups`: [A, B]; [A] (A against the rest); or
    more (each against the rest, or against `reference`, with a `group` column). A group may be
    a list of values (e.g. speaker names). `prior`: "corpus" (each word's prior count is its
    count in all texts) or a number of pseudo-words spread over the corpus distribution.
    Columns: term, count_a, count_b, log_odds, z, n_texts_a, n_texts_b (texts using the term).
    """
    texts, labels, unit = _texts_and_labels(corpus, by, unit)
    groups = [_as_values(g) for g in (groups if isinstance(groups, list | tuple) else [groups])]
    if not groups:
        raise UsageError("contrast needs at least one group")
    available = sorted({v for v in labels if v is not None})
    for group in groups:
        unknown = [v for v in group if v not in available]
        if unknown:
            raise UsageError(
                f"no {unit} with {by} = {unknown[0]!r}; available: {_listing(available)}"
            )
    if not (prior == "corpus" or (isinstance(prior, int | float) and prior > 0)):
        raise UsageError(f"prior must be 'corpus' or a positive number, not {prior!r}")
    if ngram not in (1, 2, 3):
        raise UsageError("ngram must be 1, 2 or 3")
    from sklearn.feature_extraction.text import CountVectorizer  # heavy: load on first use

    vectorizer = CountVectorizer(
        ngram_range=(1, ngram),
        token_pattern=WORD_RE.pattern,
        lowercase=True,
        preprocessor=_normalise,
        stop_words=stop_words,
    )
    try:
        counts = vectorizer.fit_transform(texts).tocsc()
    except ValueError:
        raise UsageError(f"no words in the {unit} texts to contrast") from None
    vocabulary = vectorizer.get_feature_names_out()
    labels = np.array(labels, dtype=object)
    background = np.asarray(counts.sum(axis=0)).ravel()

    def mask_of(values):
        return np.isin(labels, list(values))

    if len(groups) == 2 and reference is None:
        pairs = [(None, mask_of(groups[0]), mask_of(groups[1]))]
    else:
        if reference is not None:
            ref = _as_values(reference)
            missing = [v for v in ref if v not in available]
            if missing:
                raise UsageError(
                    f"no {unit} with {by} = {missing[0]!r}; available: {_listing(available)}"
                )
            pairs = [(_name(g), mask_of(g), mask_of(ref)) for g in groups if set(g) != set(ref)]
        else:
            pairs = [(_name(g), mask_of(g), ~mask_of(g)) for g in groups]
    tables = []
    for name, mask_a, mask_b in pairs:
        if not mask_b.any():
            raise UsageError(f"group B is empty: every {unit} is in group A")
        table = _log_odds(counts, vocabulary, mask_a, mask_b, background, prior, min_count)
        if name is not None:
            table.insert(0, "group", name)
        tables.append(table)
    out = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    out.attrs.update(by=by, unit=unit, groups=[list(g) for g in groups], prior=prior)
    return out


def _log_odds(counts, vocabulary, mask_a, mask_b, background, prior, min_count) -> pd.DataFrame:
    """Monroe et al.'s delta and z for group A against group B, terms with enough counts."""
    sub_a, sub_b = counts[mask_a], counts[mask_b]
    y_a = np.asarray(sub_a.sum(axis=0)).ravel().astype(float)
    y_b = np.asarray(sub_b.sum(axis=0)).ravel().astype(float)
    total = background.sum()
    prior = float(total if prior == "corpus" else prior)
    alpha = prior * background / total
    n_a, n_b = y_a.sum(), y_b.sum()
    log_odds = np.log((y_a + alpha) / (n_a + prior - y_a - alpha)) - np.log(
        (y_b + alpha) / (n_b + prior - y_b - alpha)
    )
    z = log_odds / np.sqrt(1.0 / (y_a + alpha) + 1.0 / (y_b + alpha))
    table = pd.DataFrame(
        {
            "term": vocabulary,
            "count_a": y_a.astype("int64"),
            "count_b": y_b.astype("int64"),
            "log_odds": log_odds,
            "z": z,
            "n_texts_a": np.asarray((sub_a > 0).sum(axis=0)).ravel().astype("int64"),
            "n_texts_b": np.asarray((sub_b > 0).sum(axis=0)).ravel().astype("int64"),
        }
    )
    table = table[(table["count_a"] + table["count_b"]) >= min_count]
    table = table.sort_values(["z", "term"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def _normalise(text: str) -> str:
    """Lower case, straight apostrophes, masked words restored (bulls**t -> bullshit)."""
    text = text.lower().replace("’", "'")
    if "*" in text:
        unmask = RejectionRules.load().unmask
        text = MASKED_RE.sub(lambda m: _unmask(m.group(), unmask).replace("*", ""), text)
    return text


def _as_values(group) -> list[str]:
    if isinstance(group, list | tuple | set | frozenset):
        return sorted(str(v) for v in group)
    return [str(group)]


def _name(group: list[str]) -> str:
    return "+".join(group)


def _listing(values: list[str], limit: int = 30) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def _table(corpus, name: str) -> pd.DataFrame | None:
    df = getattr(corpus, name, None)
    return df if isinstance(df, pd.DataFrame) and not df.empty else None


def _texts_and_labels(corpus, by: str, unit: str) -> tuple[list[str], list[str], str]:
    """The texts to count and each text's group label (the `by` value as a string, or None).

    Every text of the unit is kept: unlabelled ones belong to no group but count in the prior.
    """
    if unit not in ("auto", *UNITS):
        raise UsageError(f"unit must be one of auto, {', '.join(UNITS)}")
    speakers, quotes, documents = (_table(corpus, n) for n in UNITS)
    has = {
        "speakers": speakers is not None
        and by in speakers
        and quotes is not None
        and "speaker_id" in quotes,
        "quotes": quotes is not None and by in quotes,
        "documents": documents is not None and by in documents,
    }
    chosen = next((u for u in UNITS if has[u]), None) if unit == "auto" else unit
    if chosen is None or not has[chosen]:
        columns = sorted(
            {c for df in (speakers, quotes, documents) if df is not None for c in df.columns}
        )
        where = "speakers, quotes or documents" if unit == "auto" else unit
        raise UsageError(f"no column {by!r} in {where}; available: {_listing(columns, 60)}")
    if chosen == "documents":
        return list(documents["text"].fillna("")), _labels(documents[by]), chosen
    if chosen == "quotes":
        return list(quotes["text"].fillna("")), _labels(quotes[by]), chosen
    attributed = quotes[quotes["speaker_id"].notna()]
    label = dict(zip(speakers["speaker_id"], speakers[by], strict=True))
    texts, labels = [], []
    for speaker_id, group in attributed.groupby("speaker_id", sort=True):
        texts.append("\n".join(group["text"].fillna("")))
        labels.append(label.get(speaker_id))
    return texts, _labels(labels), chosen


def _labels(values) -> list[str | None]:
    """Group labels as strings; None where missing (such texts still shape the prior)."""
    return [None if v is None or pd.isna(v) else str(v) for v in values]
