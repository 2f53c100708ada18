"""Stage 5, features: per-speaker voice share, sentiment and frame rates with 95% intervals.

Every frame number is computed from the `frame_evidence` rows (never by re-matching), so
`frame_<f>_n` rows of evidence give `frame_<f>` = 1000 * frame_<f>_n / n_words. Intervals are a
bootstrap over the speaker's quotes (seeded per speaker, so a speaker's interval does not depend
on who else is in the corpus), widened where the bootstrap cannot see the uncertainty: see
docs/frames.md ("Uncertainty").
"""

from __future__ import annotations

import zlib
from collections import Counter

import numpy as np
import pandas as pd
from scipy import stats

from corpuskit import schema
from corpuskit.frames import counted_frame

LEVEL = 0.95
PER = 1000
MAX_CELLS = 2_000_000  # resample-weight cells held in memory at once


def speaker_features(
    quotes: pd.DataFrame,
    speakers: pd.DataFrame,
    evidence: pd.DataFrame,
    dictionary,
    seed: int = 0,
    n_boot: int = 1000,
    level: float = LEVEL,
) -> pd.DataFrame:
    """One row per speaker with quotes: words, voice share, sentiment and frame rates per 1,000 words.

    Sentiment is the word-weighted mean of the speaker's quotes' VADER scores (each quoted word
    carries its quote's score). Rejected matches count toward the contestation frame.
    """
    frames = list(dictionary.frames)
    columns = _columns(frames)
    quotes = _attributed(quotes)
    if quotes.empty:
        return schema.frame("speaker_features", pd.DataFrame(columns=columns))
    counts = _counts_per_quote(quotes, evidence, frames, dictionary.contest_frame)
    names = _names(quotes, speakers)
    total_words = float(quotes["n_words"].sum())
    matrix_all = counts.loc[quotes["quote_id"], frames].to_numpy(dtype=float)
    rejected_all = counts.loc[quotes["quote_id"], "_rejected"].to_numpy()
    words_all = quotes["n_words"].to_numpy(dtype=float)
    scores_all = quotes["sentiment"].to_numpy(dtype=float)
    rows = []
    for speaker_id, pos in sorted(quotes.groupby("speaker_id").indices.items()):
        group = quotes.iloc[pos]
        words, scores, matrix = words_all[pos], scores_all[pos], matrix_all[pos]
        rng = np.random.default_rng([seed, zlib.crc32(str(speaker_id).encode("utf-8"))])
        boot_sentiment, boot_rates = _bootstrap(words, scores, matrix, rng, n_boot)
        row = {
            "speaker_id": speaker_id,
            "speaker": names.get(speaker_id),
            "n_quotes": len(pos),
            "n_words": int(words.sum()),
            "voice_share": words.sum() / total_words if total_words else np.nan,
        }
        row.update(_sentiment(words, scores, boot_sentiment, level))
        row.update(_frame_rates(words, matrix, frames, boot_rates, level))
        row["n_rejected"] = int(rejected_all[pos].sum())
        row.update(_cues(group["cue"]))
        lemmas = _cues(group["cue_lemma"]) if "cue_lemma" in group else {"cues": None}
        row["cue_lemmas"] = lemmas["cues"]
        rows.append(row)
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(["n_words", "speaker_id"], ascending=[False, True], kind="stable")
    return schema.frame("speaker_features", table)


def _columns(frames: list[str]) -> list[str]:
    cols = list(schema.TABLES["speaker_features"])
    for f in frames:
        cols += [f"frame_{f}", f"frame_{f}_low", f"frame_{f}_high", f"frame_{f}_n"]
    return cols + ["n_rejected", "cues", "top_cue", "cue_lemmas"]


def _attributed(quotes: pd.DataFrame) -> pd.DataFrame:
    """Quotes with a speaker, with n_words and a sentiment score filled in.

    A quote with a speaker name but no speaker_id is keyed by the name.
    """
    if quotes is None or quotes.empty or "speaker_id" not in quotes:
        return pd.DataFrame()
    quotes = quotes.copy()
    if "speaker" in quotes:  # a named speaker not yet resolved to an id is keyed by the name
        quotes["speaker_id"] = quotes["speaker_id"].fillna(quotes["speaker"])
    quotes = quotes[quotes["speaker_id"].notna()]
    if quotes.empty:
        return quotes
    if "n_words" not in quotes or quotes["n_words"].isna().any():
        from corpuskit.text import count_words

        quotes["n_words"] = [count_words(t) for t in quotes["text"].fillna("")]
    if "sentiment" not in quotes or quotes["sentiment"].isna().any():
        from corpuskit import sentiment

        missing = (
            quotes["sentiment"].isna() if "sentiment" in quotes else quotes.index == quotes.index
        )
        quotes.loc[missing, "sentiment"] = sentiment.score(
            list(quotes.loc[missing, "text"].fillna(""))
        )
    if "cue" not in quotes:
        quotes["cue"] = None
    return quotes


def _counts_per_quote(quotes, evidence, frames, contest_frame) -> pd.DataFrame:
    """Quote id x frame: matches counted toward each frame (rejected -> contestation), plus
    a `_rejected` column of rejected matches."""
    index = pd.Index(quotes["quote_id"]).unique()
    columns = [*frames, "_rejected"]
    if evidence is None or evidence.empty:
        return pd.DataFrame(0, index=index, columns=columns)
    ev = evidence[evidence["quote_id"].isin(index)]
    rejected = ev["rejected"].astype(bool).to_numpy()
    target = [
        counted_frame(f, r, contest_frame) for f, r in zip(ev["frame"], rejected, strict=True)
    ]
    ev = pd.DataFrame({"quote_id": ev["quote_id"].to_numpy(), "frame": target, "rej": rejected})
    counts = pd.crosstab(ev["quote_id"], ev["frame"].fillna("_none"))
    counts["_rejected"] = ev.groupby("quote_id")["rej"].sum()
    return counts.reindex(index=index, columns=columns, fill_value=0).fillna(0).astype(int)


def _names(quotes, speakers) -> dict:
    names = {}
    if speakers is not None and not speakers.empty and "speaker_id" in speakers:
        names = dict(zip(speakers["speaker_id"], speakers["speaker"], strict=True))
    for sid, name in zip(quotes["speaker_id"], quotes["speaker"], strict=True):
        names.setdefault(sid, name)
    return names


def _bootstrap(words, scores, matrix, rng, n_boot):
    """Resampled (sentiment, frame rates) over the speaker's quotes; (None, None) for one quote.

    Every resample draws len(words) quotes with replacement; sentiment and frames share the
    resamples. Memory is bounded by drawing them in chunks.
    """
    n = len(words)
    if n < 2 or n_boot < 1:
        return None, None
    weights = words if words.sum() > 0 else np.ones_like(words)
    chunk = max(1, MAX_CELLS // (n * (matrix.shape[1] + 1)))
    sentiments, rates = [], []
    done = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        while done < n_boot:
            idx = rng.integers(0, n, size=(min(chunk, n_boot - done), n))
            w = weights[idx]
            sentiments.append((w * scores[idx]).sum(axis=1) / w.sum(axis=1))
            rates.append(PER * matrix[idx].sum(axis=1) / words[idx].sum(axis=1)[:, None])
            done += len(idx)
    return np.concatenate(sentiments), np.concatenate(rates)


def _percentiles(boot, level):
    """Lower and upper percentile of bootstrap values (ignoring undefined ones)."""
    alpha = 1 - level
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    low, high = (np.nanpercentile if np.isnan(boot).any() else np.percentile)(boot, q, axis=0)
    return low, high


def _sentiment(words, scores, boot, level) -> dict:
    """Word-weighted mean VADER score; the wider of a bootstrap and a t interval, within [-1, 1].

    One quote gives no spread to resample or estimate, so its interval is the full range [-1, 1].
    """
    weights = words if words.sum() > 0 else np.ones_like(words)
    mean = float(np.average(scores, weights=weights))
    alpha = 1 - level
    n_eff = weights.sum() ** 2 / (weights**2).sum()
    if boot is None or n_eff <= 1 + 1e-9:
        low, high = -1.0, 1.0
    else:
        low, high = _percentiles(boot, level)
        var = np.average((scores - mean) ** 2, weights=weights) * n_eff / (n_eff - 1)
        half = stats.t.ppf(1 - alpha / 2, n_eff - 1) * np.sqrt(var / n_eff)
        low, high = min(low, mean - half), max(high, mean + half)
    return {
        "sentiment": mean,
        "sentiment_low": float(max(-1.0, low)),
        "sentiment_high": float(min(1.0, high)),
    }


def _frame_rates(words, matrix, frames, boot, level) -> dict:
    """Rates per 1,000 words; interval = the wider of a bootstrap over quotes and an exact Poisson one."""
    total = words.sum()
    counts = matrix.sum(axis=0)
    alpha = 1 - level
    out = {}
    if total <= 0:
        for i, f in enumerate(frames):
            out.update({f"frame_{f}": np.nan, f"frame_{f}_low": np.nan, f"frame_{f}_high": np.nan})
            out[f"frame_{f}_n"] = int(counts[i])
        return out
    rate = PER * counts / total
    p_low = np.where(counts > 0, stats.chi2.ppf(alpha / 2, 2 * counts) / 2, 0.0) * PER / total
    p_high = stats.chi2.ppf(1 - alpha / 2, 2 * counts + 2) / 2 * PER / total
    b_low, b_high = _percentiles(boot, level) if boot is not None else (rate, rate)
    for i, f in enumerate(frames):
        out[f"frame_{f}"] = float(rate[i])
        out[f"frame_{f}_low"] = float(min(b_low[i], p_low[i]))
        out[f"frame_{f}_high"] = float(max(b_high[i], p_high[i]))
        out[f"frame_{f}_n"] = int(counts[i])
    return out


def _cues(cues: pd.Series) -> dict:
    """The journalist's attribution verbs for a speaker: "said:3; alleged:1" and the most used."""
    counted = Counter(str(c).strip().lower() for c in cues.dropna() if str(c).strip())
    ranked = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "cues": "; ".join(f"{cue}:{n}" for cue, n in ranked) or None,
        "top_cue": ranked[0][0] if ranked else None,
    }
