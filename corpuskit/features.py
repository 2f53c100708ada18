"""Stage 5, features: per-speaker voice share, sentiment and frame rates with 95% intervals.

Every frame number is computed from the `frame_evidence` rows (never by re-matching), so
`frame_<f>_n` rows of evidence give `frame_<f>` = 1000 * frame_<f>_n / n_words. Intervals are a
bootstrap over the speaker's quotes (seeded per speaker, so a speaker's interval does not depend
on who else is in the corpus), widened where the bootstrap cannot see the uncertainty: see
docs/frames.md ("Uncertainty").

All speakers are computed together, array-wise: speakers with the same number of quotes form a
block whose quotes are an (speakers x quotes) matrix, so each sum runs over the same values in
the same order as a per-speaker computation would, and the numbers are identical to it.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Iterator
from functools import cache
from itertools import groupby, product

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import special
from threadpoolctl import threadpool_limits

from corpuskit import schema
from corpuskit.columns import as_column, encode_together, factorize
from corpuskit.frames import counted_frame

LEVEL = 0.95
PER = 1000
MAX_CELLS = 500_000  # resample cells (draws and per-resample sums) held in memory at once
QUOTE_COLUMNS = ("quote_id", "speaker_id", "speaker", "n_words", "sentiment", "cue", "cue_lemma")


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
    carries its quote's score). Rejected matches count toward the contestation frame. Evidence
    rows name their quote by `quote_id`, or by `quote_row`, its row number in `quotes` (no index
    of every quote id is then needed: hundreds of megabytes at corpus scale).
    """
    return score(gather(quotes, speakers, evidence, dictionary), seed, n_boot, level)


class Gathered:
    """What `score` needs of the quotes, speakers and evidence: per-quote arrays in speaker
    order and the per-speaker columns that need no resampling. Holding this instead of the
    tables lets a caller free them before the bootstrap (a large corpus's peak); `score` takes
    the arrays out of it, so that each can go as soon as it is used."""

    def __init__(
        self, frames, groups=None, counts=None, words=None, scores=None, total=0.0, table=None
    ):
        self.parts = [frames, groups, counts, words, scores, total, table or {}]

    def take(self) -> list:
        """The parts (frames, groups, counts, words, scores, total words, table), then none."""
        parts, self.parts = self.parts, []
        return parts


def gather(quotes: pd.DataFrame, speakers: pd.DataFrame, evidence: pd.DataFrame, dictionary):
    """The first half of `speaker_features`: everything it reads of the tables."""
    frames = list(dictionary.frames)
    quotes = _attributed(quotes)
    groups = SpeakerGroups(quotes["speaker_id"]) if not quotes.empty else None
    if groups is None or not len(groups.ids):
        return Gathered(frames)
    # The per-speaker text columns first, while little is held (each makes quotes-sized
    # temporaries), then the per-quote arrays: at a large corpus each is hundreds of megabytes.
    table = {
        "speaker_id": list(groups.ids),
        "speaker": as_column(_names(quotes, speakers, groups)),
        "n_quotes": groups.sizes,
    }
    table.update({name: as_column(values) for name, values in _cues(quotes["cue"], groups).items()})
    if "cue_lemma" in quotes:
        table["cue_lemmas"] = as_column(_cues(quotes["cue_lemma"], groups)["cues"])
    else:
        table["cue_lemmas"] = [None] * len(groups.ids)
    counts = _counts_per_quote(quotes, evidence, frames, dictionary.contest_frame, groups.order)
    words = groups.take(quotes["n_words"].to_numpy(dtype=float))
    scores = groups.take(quotes["sentiment"].to_numpy(dtype=float))
    total_words = float(words.sum())  # whole numbers: exact in any order
    return Gathered(frames, groups, counts, words, scores, total_words, table)


def score(gathered: Gathered, seed: int = 0, n_boot: int = 1000, level: float = LEVEL):
    """The second half of `speaker_features`: bootstrap, rates and intervals, the table."""
    frames, groups, counts, words, scores, total_words, table = gathered.take()
    columns = _columns(frames)
    if groups is None:
        return schema.frame("speaker_features", pd.DataFrame(columns=columns))
    table["n_rejected"] = groups.sum(counts[:, -1], dtype=np.int64)
    matrix = counts[:, :-1]
    # The resample sums are many small matrix products: a multi-threaded BLAS only spins its
    # threads on them (several times the CPU time for the same result), so they run on one.
    with threadpool_limits(limits=1, user_api="blas"):
        boot = _bootstrap(groups, words, scores, matrix, seed, n_boot, level)
    frame_counts = groups.sum(matrix, dtype=np.float64)  # as floats, as the rates take them
    del matrix, counts  # the per-quote counts, a large corpus's biggest array

    n_words = groups.sum(words)
    table["n_words"] = n_words.astype(np.int64)
    table["voice_share"] = n_words / total_words if total_words else np.full(len(n_words), np.nan)
    table.update(_sentiment(groups, words, scores, boot, level))
    del scores
    table.update(_frame_rates(groups, words, frame_counts, frames, boot, level))
    del words, frame_counts, boot
    return schema.frame("speaker_features", _sorted_frame(table, columns))


def score_chunks(
    gathered: Gathered, rows: int, seed: int = 0, n_boot: int = 1000, level: float = LEVEL
) -> Iterator[pd.DataFrame]:
    """`score`'s table in its order, `rows` speakers at a time (the whole table is ~230 MB at
    100,000 articles). A speaker's numbers depend only on its own quotes and the corpus's total
    words, so each chunk is scored as the whole table would score its speakers."""
    frames, groups, counts, words, scores, total_words, table = gathered.take()
    if groups is None:
        yield score(Gathered(frames), seed, n_boot, level)
        return
    order = _by_words_then_id(groups.sum(words).astype(np.int64), table["speaker_id"])
    for first in range(0, len(order), rows):
        chosen = order[first : first + rows]
        part, quotes = groups.subset(chosen)
        positions = chosen.tolist()
        part_table = {name: _pick(values, chosen, positions) for name, values in table.items()}
        part_gathered = Gathered(
            frames, part, counts[quotes], words[quotes], scores[quotes], total_words, part_table
        )
        yield score(part_gathered, seed, n_boot, level)


def _sorted_frame(table: dict, columns: list[str]) -> pd.DataFrame:
    """The table's columns as a DataFrame, speakers by words (most first), then by id.

    Each column is put in order on its own and the frame takes the arrays without copying them,
    so the table is held about once, not three times (dict, frame, sorted frame).
    """
    order = _by_words_then_id(table["n_words"], table["speaker_id"])
    positions = order.tolist()  # for the list columns, made once
    for name in columns:
        table[name] = _pick(table[name], order, positions)
    return pd.DataFrame({name: table.pop(name) for name in columns}, copy=False)


def _pick(values, order: np.ndarray, positions: list[int]):
    """A per-speaker column's values at `order` (`positions`: the same as a list, for a list)."""
    return [values[i] for i in positions] if isinstance(values, list) else values[order]


def _by_words_then_id(n_words: np.ndarray, ids: list) -> np.ndarray:
    """The positions of speakers ordered by words (most first), then by id, sorted by Arrow:
    pandas would hold every id as a Python string again. Ids are distinct, so the order is
    total, and Arrow orders strings by code point, as Python does."""
    keys = pa.table({"n_words": n_words, "speaker_id": pa.array(ids, type=pa.large_string())})
    order = pc.sort_indices(
        keys, sort_keys=[("n_words", "descending"), ("speaker_id", "ascending")]
    )
    return order.to_numpy()


class SpeakerGroups:
    """Quotes grouped by speaker: each quote's speaker (a code into `ids`; -1: no speaker), the
    positions of quotes with a speaker ordered by speaker (each speaker's quotes in table order),
    and each speaker's start and number of quotes in that order."""

    def __init__(self, speaker_ids: pd.Series):
        codes, uniques = factorize(speaker_ids)
        self.codes = codes
        self.ids = uniques
        order = np.argsort(codes, kind="stable")
        self.order = order[np.count_nonzero(codes < 0) :]  # quotes without a speaker come first
        self.sizes = np.bincount(codes[codes >= 0], minlength=len(uniques)).astype(np.int64)
        self.starts = _starts(self.sizes)

    def subset(self, chosen: np.ndarray) -> tuple[SpeakerGroups, np.ndarray]:
        """The groups of the `chosen` speakers (in that order) and their quotes' positions in
        speaker order, for scoring those speakers alone. The part has no per-quote codes."""
        part = object.__new__(SpeakerGroups)
        part.codes = part.order = None
        part.ids, part.sizes = self.ids[chosen], self.sizes[chosen]
        part.starts = _starts(part.sizes)
        shift = np.repeat(self.starts[chosen] - part.starts, part.sizes)
        return part, shift + np.arange(len(shift))

    def take(self, values: np.ndarray) -> np.ndarray:
        """Per-quote values in speaker order."""
        return values[self.order]

    def sum(self, values: np.ndarray, dtype=None) -> np.ndarray:
        """Per-speaker sums of per-quote values in speaker order (exact for counts)."""
        return np.add.reduceat(values, self.starts, axis=0, dtype=dtype)

    def by_size(self):
        """(n, speakers with n quotes, their quote positions as a speakers x n matrix)."""
        for n in np.unique(self.sizes):
            members = np.flatnonzero(self.sizes == n)
            yield int(n), members, self.starts[members, None] + np.arange(n)

    def rng(self, speaker: int, seed: int) -> np.random.Generator:
        """The speaker's own random stream: seeded by the run seed and the speaker id."""
        key = zlib.crc32(str(self.ids[speaker]).encode("utf-8"))
        return np.random.default_rng([seed, key])


def _starts(sizes: np.ndarray) -> np.ndarray:
    """Where each group starts when groups of `sizes` lie one after another."""
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


def _columns(frames: list[str]) -> list[str]:
    cols = list(schema.TABLES["speaker_features"])
    for f in frames:
        cols += [f"frame_{f}", f"frame_{f}_low", f"frame_{f}_high", f"frame_{f}_n"]
    return cols + ["n_rejected", "cues", "top_cue", "cue_lemmas"]


def needed_columns(quotes: pd.DataFrame) -> list[str]:
    """The columns of `quotes` that `speaker_features` reads: the quote text only when a word
    count or a sentiment score is missing and has to be computed from it."""
    need_text = any(c not in quotes or quotes[c].isna().any() for c in ("n_words", "sentiment"))
    return [c for c in QUOTE_COLUMNS if c in quotes] + (["text"] if need_text else [])


def _attributed(quotes: pd.DataFrame) -> pd.DataFrame:
    """The columns features read of the quotes, speaker ids and gaps filled in: a quote with a
    speaker name but no speaker_id is keyed by the name; missing word counts and scores of
    quotes with a speaker are computed from their text.

    Quotes without a speaker stay (`SpeakerGroups` leaves them out): dropping them would copy
    every column, hundreds of megabytes at corpus scale.
    """
    if quotes is None or quotes.empty or "speaker_id" not in quotes:
        return pd.DataFrame()
    quotes = quotes[needed_columns(quotes)]
    if "speaker" in quotes:  # a named speaker not yet resolved to an id is keyed by the name
        unresolved = quotes["speaker_id"].isna() & quotes["speaker"].notna()
        if unresolved.any():
            quotes["speaker_id"] = quotes["speaker_id"].fillna(quotes["speaker"])
    attributed = quotes["speaker_id"].notna()
    if "n_words" not in quotes or quotes.loc[attributed, "n_words"].isna().any():
        from corpuskit.text import count_words

        texts = quotes.loc[attributed, "text"].fillna("")
        quotes["n_words"] = pd.Series([count_words(t) for t in texts], index=texts.index)
    if "sentiment" not in quotes or quotes.loc[attributed, "sentiment"].isna().any():
        from corpuskit import sentiment

        missing = attributed & (
            quotes["sentiment"].isna() if "sentiment" in quotes else quotes.index == quotes.index
        )
        quotes.loc[missing, "sentiment"] = sentiment.score(
            list(quotes.loc[missing, "text"].fillna(""))
        )
    if "cue" not in quotes:
        quotes["cue"] = None
    return quotes


def _counts_per_quote(quotes, evidence, frames, contest_frame, order) -> np.ndarray:
    """Quotes with a speaker x (frames + 1), rows in `order` (quote positions): matches counted
    toward each frame (rejected -> contestation), and in the last column the rejected matches.

    With unique quote ids (the usual case) the counts are added straight into their rows, so no
    second quotes-sized array is made to put them in order.
    """
    if evidence is None or evidence.empty:
        return np.zeros((len(order), len(frames) + 1), dtype=np.int32)
    if "quote_row" in evidence:
        row = evidence["quote_row"].to_numpy(dtype=np.int64)
        row = np.where((row >= 0) & (row < len(quotes)), row, -1)
    else:
        row = _unique_quote_rows(quotes["quote_id"], evidence["quote_id"])
    in_order = row is not None
    if in_order:  # row k is quote k: move it to its place in `order` (-1: no speaker)
        place = np.full(len(quotes), -1, dtype=np.int64)
        place[order] = np.arange(len(order))
        row = np.where(row >= 0, place[np.maximum(row, 0)], -1)
        del place
        n_rows = len(order)
    else:
        quote_ids = pd.Index(quotes["quote_id"])
        unique_ids = quote_ids.unique()
        row = unique_ids.get_indexer(evidence["quote_id"])
        n_rows = len(unique_ids)
    rejected = evidence["rejected"].astype(bool).to_numpy()
    column_of = {f: i for i, f in enumerate(frames)}
    # each distinct (frame, rejected) pair is mapped to its column once; code 0 is a missing frame
    frame_codes, frame_values = factorize(evidence["frame"])
    values = [None, *frame_values]
    column_of_pair = np.array(
        [
            column_of.get(counted_frame(values[pair // 2], bool(pair % 2), contest_frame), -1)
            for pair in range(2 * len(values))
        ],
        dtype=np.int64,
    )
    column = column_of_pair[(frame_codes + 1) * 2 + rejected]
    counted = (row >= 0) & (column >= 0)
    # whole counts: int32 holds them in half the memory of floats, and every sum over them
    # (and every float made of them) is the same exactly
    by_id = np.zeros((n_rows, len(frames) + 1), dtype=np.int32)
    np.add.at(by_id, (row[counted], column[counted]), 1)
    found = row >= 0
    np.add.at(by_id[:, -1], row[found], rejected[found])
    if in_order:
        return by_id
    return by_id[unique_ids.get_indexer(quote_ids)[order]]


def _unique_quote_rows(quote_ids: pd.Series, evidence_ids: pd.Series) -> np.ndarray | None:
    """Each evidence row's quote position (-1: no such quote), or None unless every quote has its
    own id: then the quote ids index the evidence directly, without a second index of the
    unique ids (each index's hash table is hundreds of megabytes on a large corpus)."""
    index = pd.Index(quote_ids)
    if not index.is_unique:
        return None
    return index.get_indexer(evidence_ids)


def _names(quotes, speakers, groups) -> list:
    """Each speaker's name: from the speakers table (its last row for an id, as a dict of the
    table would give), else the name on the speaker's first quote.

    Ids are matched as codes of one encoding, and names converted only for the rows taken: a
    Python string per quote, or a hash table of every speaker, costs hundreds of megabytes at
    corpus scale."""
    names = np.full(len(groups.ids), None, dtype=object)
    found = np.zeros(len(groups.ids), dtype=bool)
    if speakers is not None and not speakers.empty and "speaker_id" in speakers:
        at = _last_rows(speakers["speaker_id"], groups.ids)
        found = at >= 0
        names[found] = speakers["speaker"].iloc[at[found]].to_numpy(dtype=object)
    if "speaker" in quotes:
        first = groups.order[groups.starts[~found]]
        names[~found] = quotes["speaker"].iloc[first].to_numpy(dtype=object)
    return names.tolist()


def _last_rows(keys: pd.Series, wanted: np.ndarray) -> np.ndarray:
    """The position of each `wanted` value's last row in `keys` (-1: none), matched by value."""
    codes, wanted_codes, n_distinct = encode_together(keys, wanted)
    last = np.full(n_distinct, -1, dtype=np.int64)
    rows = np.flatnonzero(codes >= 0)
    np.maximum.at(last, codes[rows], rows)
    return np.where(wanted_codes >= 0, last[wanted_codes], -1)


def _weights(words: np.ndarray) -> np.ndarray:
    """Sentiment weights of a speakers x quotes matrix: words, or 1 per quote when a speaker's
    quotes have no words at all."""
    return np.where((words.sum(axis=1) > 0)[:, None], words, 1.0)


def _bootstrap(groups, words, scores, matrix, seed, n_boot, level) -> dict:
    """Bootstrap percentile intervals per speaker (NaN for one quote, which cannot be resampled).

    Every resample draws a speaker's n quotes with replacement from the speaker's own generator
    (one `integers(0, n, size=(rows, n))` stream, however it is split into chunks); sentiment and
    frame rates share the resamples. Speakers with the same n are taken in blocks small enough to
    keep at most MAX_CELLS cells in memory, their percentiles computed together.
    """
    n_speakers, n_frames = len(groups.ids), matrix.shape[1]
    out = {  # rates frame by frame (2 x speakers each), so each can go once used
        "sentiment": np.full((2, n_speakers), np.nan),
        "rates": [np.full((2, n_speakers), np.nan) for _ in range(n_frames)],
    }
    if n_boot < 1:
        return out
    present = (
        groups.sum(matrix, dtype=np.int64) > 0
    )  # speakers x frames with any evidence in their quotes
    for n, members, pos in groups.by_size():
        if n < 2:
            continue
        rows = min(n_boot, max(1, MAX_CELLS // (n + n_frames + 1)))
        per_block = max(1, MAX_CELLS // (rows * (n + n_frames + 1)))
        for first in range(0, len(members), per_block):
            block, block_pos = members[first : first + per_block], pos[first : first + per_block]
            rngs = [groups.rng(s, seed) for s in block]
            weights = _weights(words[block_pos])
            # whole numbers summed per resample: sentiment weight, words, frame counts
            counted = np.concatenate(
                [weights[..., None], words[block_pos, None], matrix[block_pos]], axis=2
            )
            weighted_scores = (weights * scores[block_pos]).ravel()
            if n <= FEW_QUOTES:
                out["sentiment"][:, block], rates = _few_bootstrap(
                    rngs, counted, weighted_scores, present[block], n_boot, level
                )
                _put_rates(out["rates"], block, rates)
                continue
            # each speaker's resamples are drawn and summed on their own (no stacking, no offsets)
            sums = np.empty((len(block), n_boot, counted.shape[2]))
            scored = np.empty((len(block), n_boot))
            for i, rng in enumerate(rngs):
                speaker_scores = weighted_scores[i * n : (i + 1) * n]
                for done in range(0, n_boot, rows):
                    idx = rng.integers(0, n, size=(min(rows, n_boot - done), n))
                    chunk = slice(done, done + len(idx))
                    sums[i, chunk] = _times_drawn(idx) @ counted[i]
                    scored[i, chunk] = speaker_scores[idx].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                sentiments = scored / sums[..., 0]
            out["sentiment"][:, block] = _percentiles(sentiments, level)
            rates = _rate_percentiles(sums[..., 1], sums[..., 2:], present[block], level)
            _put_rates(out["rates"], block, rates)
    return out


def _put_rates(out: list[np.ndarray], block: np.ndarray, rates: np.ndarray) -> None:
    """A block's rate percentiles (2 x speakers x frames) into the per-frame arrays."""
    for i, frame in enumerate(out):
        frame[:, block] = rates[:, :, i]


# A speaker with n quotes has only n**n distinct ordered resamples (4 for two quotes, 27 for
# three), fewer than n_boot: each resampled statistic is computed once per distinct resample, by
# the same operations in the same order, and the resamples only count how often each occurs.
FEW_QUOTES = 4  # speakers with at most this many quotes take that path


@cache
def _ordered_resamples(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered resample of n quotes (n**n x n draws, row k = the base-n digits of k, most
    significant first) and how often each quote is drawn in each (n**n x n, floats)."""
    drawn = np.array(list(product(range(n), repeat=n)), dtype=np.int64)
    times = (drawn[:, :, None] == np.arange(n)).sum(axis=1).astype(float)
    return drawn, times


def _few_bootstrap(rngs, counted, weighted_scores, present, n_boot, level):
    """`_bootstrap`'s percentiles (sentiment 2 x speakers, rates 2 x speakers x frames) for a block
    of speakers with n <= FEW_QUOTES quotes each, from the same draws, without summing every
    resample: each draw is mapped to its ordered resample and the values are weighted by counts."""
    n_speakers, n = counted.shape[:2]
    drawn, times = _ordered_resamples(n)
    draws = np.stack([rng.integers(0, n, size=(n_boot, n)) for rng in rngs])
    resample = draws @ n ** np.arange(n - 1, -1, -1)  # speakers x n_boot: row of `drawn`
    sums = times @ counted  # speakers x distinct resamples x (weight, words, frame counts)
    scored = weighted_scores.reshape(-1, n)[:, drawn].sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        sentiments = scored / sums[..., 0]
        rates = PER * sums[..., 2:] / sums[..., 1:2]
    # Undefined values and signed zeros (whose rank among ties np.percentile leaves open) take
    # the general path, on every resample.
    signed_zero = (sentiments == 0) & np.signbit(sentiments)
    if np.isnan(sentiments).any() or signed_zero.any() or (sums[..., 1] == 0).any():
        resampled = sums[np.arange(n_speakers)[:, None], resample]
        return (
            _percentiles(np.take_along_axis(sentiments, resample, axis=1), level),
            _rate_percentiles(resampled[..., 1], resampled[..., 2:], present, level),
        )
    n_distinct = len(drawn)
    cell = np.arange(n_speakers)[:, None] * n_distinct + resample
    occurs = np.bincount(cell.ravel(), minlength=n_speakers * n_distinct)
    occurs = occurs.reshape(n_speakers, n_distinct)
    n_frames = rates.shape[2]
    rate_rows = rates.transpose(0, 2, 1).reshape(-1, n_distinct)  # (speaker, frame) x resamples
    rate_occurs = np.repeat(occurs, n_frames, axis=0)
    rate_percentiles = _histogram_percentiles(rate_rows, rate_occurs, n_boot, level)
    return (
        _histogram_percentiles(sentiments, occurs, n_boot, level),
        np.where(present, rate_percentiles.reshape(2, n_speakers, n_frames), 0.0),
    )


def _histogram_percentiles(values, occurs, n_boot, level):
    """`_percentiles` of rows of n_boot resampled values given as each row's distinct values and
    how often each occurs (NaN-free): the same order statistics and numpy's 'linear' weighting."""
    alpha = 1 - level
    quantiles = np.true_divide([100 * alpha / 2, 100 * (1 - alpha / 2)], 100)
    virtual = (n_boot - 1) * quantiles  # as np.percentile computes them
    below = np.floor(virtual)
    gamma = virtual - below
    order = np.argsort(values, axis=1, kind="stable")
    ranked = np.take_along_axis(values, order, axis=1)
    ends = np.cumsum(np.take_along_axis(occurs, order, axis=1), axis=1)  # last rank + 1
    out = np.empty((2, len(values)))
    for i, (rank, t) in enumerate(zip(below.astype(int), gamma, strict=True)):
        a = np.take_along_axis(ranked, (ends <= rank).sum(axis=1)[:, None], axis=1)[:, 0]
        upper = min(rank + 1, n_boot - 1)
        b = np.take_along_axis(ranked, (ends <= upper).sum(axis=1)[:, None], axis=1)[:, 0]
        diff = b - a  # numpy's _lerp, term for term
        out[i] = b - diff * (1 - t) if t >= 0.5 else a + diff * t
    return out


def _times_drawn(idx) -> np.ndarray:
    """How often each quote is drawn in each resample: resamples x quotes, from idx (resample,
    draw -> quote). Sums through it are sums of whole numbers, so exact."""
    n_rows, n = idx.shape
    cell = (np.arange(n_rows) * n)[:, None] + idx
    drawn = np.zeros(n_rows * n)
    np.add.at(drawn, cell.ravel(), 1.0)
    return drawn.reshape(n_rows, n)


def _percentiles(boot, level):
    """Lower and upper percentile of each row of bootstrap values (ignoring undefined ones)."""
    alpha = 1 - level
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    out = np.empty((2, len(boot)))
    undefined = np.isnan(boot).any(axis=1)
    if (~undefined).any():
        out[:, ~undefined] = np.percentile(boot[~undefined], q, axis=1)
    with warnings.catch_warnings():  # all undefined (no words in any resample): NaN, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        for i in np.flatnonzero(undefined):
            out[:, i] = np.nanpercentile(boot[i], q)
    return out


def _rate_percentiles(words, counts, present, level):
    """Lower and upper percentile of resampled frame rates per speaker and frame, from resampled
    words (speakers x resamples) and frame counts (speakers x resamples x frames).

    A frame not `present` in a speaker's quotes (or never drawn) has a rate of 0 in every
    resample, so its percentiles are 0 without computing rates; a speaker with a resample
    without words (rates undefined) is treated whole.
    """
    out = np.zeros((2, counts.shape[0], counts.shape[2]))
    wordless = (words == 0).any(axis=1)
    cells = present & ~wordless[:, None]
    if cells.any():
        speaker = np.nonzero(cells)[0]
        rates = PER * counts.transpose(0, 2, 1)[cells] / words[speaker]
        out[:, cells] = _percentiles(rates, level)
    for i in np.flatnonzero(wordless):
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, i] = _percentiles((PER * counts[i] / words[i][:, None]).T, level)
    return out


def _sentiment(groups, words, scores, boot, level) -> dict:
    """Word-weighted mean VADER score; the wider of a bootstrap and a t interval, within [-1, 1].

    One quote gives no spread to resample or estimate, so its interval is the full range [-1, 1].
    """
    n_speakers = len(groups.ids)
    mean, n_eff, var = (np.empty(n_speakers) for _ in range(3))
    for _, members, pos in groups.by_size():
        weights, s = _weights(words[pos]), scores[pos]
        scale = weights.sum(axis=1)
        mean[members] = (s * weights).sum(axis=1) / scale
        n_eff[members] = scale**2 / (weights**2).sum(axis=1)
        spread = ((s - mean[members, None]) ** 2 * weights).sum(axis=1) / scale
        with np.errstate(invalid="ignore", divide="ignore"):
            var[members] = spread * n_eff[members] / (n_eff[members] - 1)
    alpha = 1 - level
    b_low, b_high = boot["sentiment"]
    spread = ~np.isnan(b_low) & (n_eff > 1 + 1e-9)
    half = np.full(n_speakers, np.nan)
    half[spread] = special.stdtrit(n_eff[spread] - 1, 1 - alpha / 2) * np.sqrt(
        var[spread] / n_eff[spread]
    )
    low = np.where(spread, _smaller(b_low, mean - half), -1.0)
    high = np.where(spread, _larger(b_high, mean + half), 1.0)
    return {
        "sentiment": mean,
        "sentiment_low": _larger(np.full(n_speakers, -1.0), low),
        "sentiment_high": _smaller(np.full(n_speakers, 1.0), high),
    }


def _frame_rates(groups, words, counts, frames, boot, level) -> dict:
    """Rates per 1,000 words; interval = the wider of a bootstrap over quotes and an exact Poisson one.

    `counts` holds each speaker's matches per frame (as floats); `boot["rates"]` each frame's
    bootstrap percentiles, taken out frame by frame."""
    total = groups.sum(words)
    alpha = 1 - level
    resampled = ~np.isnan(boot["rates"][0][0])  # speakers with a bootstrap (more than one quote)
    no_words = total <= 0
    out = {}
    # frame by frame: the same elementwise values, without speakers x frames temporaries
    for i, f in enumerate(frames):
        b_low, b_high = boot["rates"][i]
        boot["rates"][i] = None
        n = counts[:, i]
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = PER * n / total
            # chi2.ppf(p, 2k) / 2 is the inverse regularised gamma function at k (scipy.stats
            # computes it so); scipy.special gives the same values without importing scipy.stats
            p_low = np.where(n > 0, special.gammaincinv(n, alpha / 2), 0.0) * PER / total
            p_high = special.gammaincinv(n + 1, 1 - alpha / 2) * PER / total
        low = _smaller(np.where(resampled, b_low, rate), p_low)
        high = _larger(np.where(resampled, b_high, rate), p_high)
        del b_low, b_high
        rate[no_words], low[no_words], high[no_words] = np.nan, np.nan, np.nan
        out[f"frame_{f}"] = rate
        out[f"frame_{f}_low"] = low
        out[f"frame_{f}_high"] = high
        out[f"frame_{f}_n"] = n.astype(np.int64)
    return out


def _smaller(a, b):
    """Elementwise min(a, b) as Python's min does it: a unless b is smaller (so NaN a stays)."""
    return np.where(b < a, b, a)


def _larger(a, b):
    """Elementwise max(a, b) as Python's max does it: a unless b is larger (so NaN a stays)."""
    return np.where(b > a, b, a)


def _cues(cues: pd.Series, groups: SpeakerGroups) -> dict:
    """The journalist's attribution verbs per speaker: "said:3; alleged:1" and the most used.

    Cues are cleaned once per distinct value and counted per (speaker, cue) as integer keys;
    each speaker's cues are ranked by count, then alphabetically.
    """
    codes, uniques = factorize(cues)  # missing cues -> -1
    cleaned = [str(v).strip().lower() for v in uniques]
    names = sorted(set(cleaned) - {""})
    rank = {name: i for i, name in enumerate(names)}
    cue_of_value = np.array([rank.get(c, -1) for c in cleaned] + [-1], dtype=np.int64)
    cue = cue_of_value[codes]  # code -1 takes the -1 appended last
    keep = (cue >= 0) & (groups.codes >= 0)
    keys, counts = np.unique(groups.codes[keep] * len(names) + cue[keep], return_counts=True)
    speaker, cue = np.divmod(keys, max(len(names), 1))
    order = np.lexsort((cue, -counts, speaker))
    summary, top = [None] * len(groups.ids), [None] * len(groups.ids)
    ranked = zip(speaker[order].tolist(), cue[order].tolist(), counts[order].tolist(), strict=True)
    for code, items in groupby(ranked, key=lambda item: item[0]):
        items = list(items)
        summary[code] = "; ".join(f"{names[c]}:{n}" for _, c, n in items)
        top[code] = names[items[0][1]]
    return {"cues": summary, "top_cue": top}
