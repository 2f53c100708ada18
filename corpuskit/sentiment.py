"""Lexicon sentiment (VADER compound score, -1..1) for sentences and quotes.

VADER rates words, not frames: "fired defensive shots" scores strongly negative and
"recklessly shot her" neutral (docs/frames.md). This module re-implements VADER 3.3.2's
compound score for speed (bit-identical to `polarity_scores(text)["compound"]`, proven in
tests/test_sentiment.py), reading the lexicon and rule words from the installed vaderSentiment.
"""

from __future__ import annotations

import math
import string
from functools import lru_cache

_CACHE_SIZE = 1 << 14  # distinct texts remembered per process (a few MB; wire copy recurs)


@lru_cache(maxsize=1)
def _analyzer():
    """VADER's own analyzer; its parsed lexicons are the data this module scores with."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


class _Rules:
    """VADER's lexicons and rule words as sets and dicts, built once from the installed package."""

    def __init__(self):
        from vaderSentiment import vaderSentiment as vader

        analyzer = _analyzer()
        self.lexicon: dict[str, float] = analyzer.lexicon
        self.boosters: dict[str, float] = vader.BOOSTER_DICT
        self.special: dict[str, float] = vader.SPECIAL_CASES
        self.negations = frozenset(vader.NEGATE)
        self.n_scalar: float = vader.N_SCALAR
        self.caps_increment: float = vader.C_INCR
        # Scanned one character at a time, so only one-character emoji keys can ever match.
        self.emojis = {k: v for k, v in analyzer.emojis.items() if len(k) == 1}
        self.emoji_chars = frozenset(self.emojis)
        self.ascii_emoji_free = not any(ch.isascii() for ch in self.emojis)
        # Words that carry valence: in the lexicon and not swallowed as a booster first.
        self.scored = frozenset(w for w in self.lexicon if w not in self.boosters)
        self.punctuation = string.punctuation
        # Every word of an idiom or multi-word booster: a word sequence can only be one of
        # them if all its words are here.
        self.idiom_words = frozenset(
            word for key in (*self.special, *self.boosters) for word in key.split(" ")
        )
        # Words any rule of `_word_valence` looks at (besides words with "n't"), and the scored
        # words no rule changes when none of these is among the three words before them.
        self.context_words = (
            frozenset(self.boosters)
            | self.negations
            | self.idiom_words
            | {"no", "never", "without", "so", "this", "least"}
        )
        self.plain = frozenset(
            w for w in self.scored if self.lexicon[w] != 0 and w not in self.context_words
        )


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    return _Rules()


def _replace_emojis(text: str, emojis: dict[str, str]) -> str:
    """Each emoji character replaced by its description, spaced from the preceding text."""
    out = []
    after_space = True
    for ch in text:
        description = emojis.get(ch)
        if description is None:
            out.append(ch)
            after_space = ch == " "
        else:
            if not after_space:
                out.append(" ")
            out.append(description)
            after_space = False
    return "".join(out)


def _is_negation(word: str, negations: frozenset) -> bool:
    return word in negations or "n't" in word


def _idioms(valence, lower: list[str], i: int, r: _Rules):
    """VADER's special-case idioms ("the bomb", "kiss of death") and two/three-word boosters."""
    n = len(lower)
    w3, w2, w1, w0 = lower[i - 3], lower[i - 2], lower[i - 1], lower[i]
    if r.idiom_words.isdisjoint((w0, w1, w2)):  # each sequence below has one of these
        return valence
    one_zero = f"{w1} {w0}"
    two_one_zero = f"{w2} {w1} {w0}"
    two_one = f"{w2} {w1}"
    three_two_one = f"{w3} {w2} {w1}"
    three_two = f"{w3} {w2}"
    special = r.special
    for seq in (one_zero, two_one_zero, two_one, three_two_one, three_two):
        if seq in special:
            valence = special[seq]
            break
    if n - 1 > i:
        zero_one = f"{w0} {lower[i + 1]}"
        if zero_one in special:
            valence = special[zero_one]
    if n - 1 > i + 1:
        zero_one_two = f"{w0} {lower[i + 1]} {lower[i + 2]}"
        if zero_one_two in special:
            valence = special[zero_one_two]
    boosters = r.boosters
    for seq in (three_two_one, three_two, two_one):
        if seq in boosters:
            valence = valence + boosters[seq]
    return valence


def _word_valence(i: int, words: list[str], lower: list[str], cap_diff: bool, r: _Rules):
    """Valence of lexicon word i after VADER's negation, booster, caps, idiom and 'least' rules."""
    lexicon = r.lexicon
    n_scalar = r.n_scalar
    n = len(lower)
    word = lower[i]
    base = lexicon[word]
    valence = base
    if word == "no" and i != n - 1 and lower[i + 1] in lexicon:
        valence = 0.0  # "no" negates the next lexicon word instead of scoring itself
    if (
        (i > 0 and lower[i - 1] == "no")
        or (i > 1 and lower[i - 2] == "no")
        or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
    ):
        valence = base * n_scalar
    if cap_diff and words[i].isupper():
        if valence > 0:
            valence += r.caps_increment
        else:
            valence -= r.caps_increment
    for gap in range(3):
        if i <= gap:
            break
        j = i - gap - 1
        before = lower[j]
        if before in lexicon:
            continue
        scalar = 0.0
        boost = r.boosters.get(before)
        if boost is not None:
            scalar = boost
            if valence < 0:
                scalar *= -1
            if cap_diff and words[j].isupper():
                if valence > 0:
                    scalar += r.caps_increment
                else:
                    scalar -= r.caps_increment
            if gap == 1:
                scalar = scalar * 0.95
            elif gap == 2:
                scalar = scalar * 0.9
        valence = valence + scalar
        if gap == 0:
            if _is_negation(before, r.negations):
                valence = valence * n_scalar
        elif gap == 1:
            if lower[i - 2] == "never" and lower[i - 1] in ("so", "this"):
                valence = valence * 1.25
            elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
                pass
            elif _is_negation(before, r.negations):
                valence = valence * n_scalar
        else:
            if (lower[i - 3] == "never" and lower[i - 2] in ("so", "this")) or lower[i - 1] in (
                "so",
                "this",
            ):
                valence = valence * 1.25
            elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
                pass
            elif _is_negation(before, r.negations):
                valence = valence * n_scalar
            valence = _idioms(valence, lower, i, r)
    if i > 0 and lower[i - 1] == "least" and "least" not in lexicon:
        if i == 1 or lower[i - 2] not in ("at", "very"):
            valence = valence * n_scalar
    return valence


def _but_shift(sentiments: list, but_at: int) -> None:
    """VADER's 'but' rule in place: halve valences before the first 'but', raise those after.

    Like VADER, each value is located by its first equal value, so repeated values shift once.
    """
    for k in range(len(sentiments)):
        value = sentiments[k]
        at = sentiments.index(value)
        if at < but_at:
            sentiments[at] = value * 0.5
        elif at > but_at:
            sentiments[at] = value * 1.5


def _punctuation_emphasis(text: str) -> float:
    """VADER's boost for '!' (up to four) and for two or more '?'."""
    amplifier = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    if questions > 1:
        amplifier = amplifier + (questions * 0.18 if questions <= 3 else 0.96)
    return amplifier


@lru_cache(maxsize=_CACHE_SIZE)
def compound(text: str) -> float:
    """VADER compound score of one text, bit-identical to vaderSentiment's; memoised."""
    r = _rules()
    if not (r.ascii_emoji_free and text.isascii()) and not r.emoji_chars.isdisjoint(text):
        text = _replace_emojis(text, r.emojis)
    punctuation = r.punctuation
    lowered = text.lower()
    if len(lowered) == len(text) and "Σ" not in text:
        # Lowering is then one character for one, whatever the context, and never makes or
        # unmakes punctuation or whitespace: lowering before stripping changes nothing.
        lower = [
            token if len(stripped := token.strip(punctuation)) <= 2 else stripped
            for token in lowered.split()
        ]
    else:
        words = [
            token if len(stripped := token.strip(punctuation)) <= 2 else stripped
            for token in text.split()
        ]
        # Lowering the space-joined words equals lowering each one: no lowercase mapping makes
        # whitespace, and a space bounds the final-sigma context.
        lower = " ".join(words).lower().split(" ") if words else []
    scored = r.scored
    if scored.isdisjoint(lower):
        return 0.0
    # Stripped punctuation is uncased, so each raw token is upper-case exactly when its word is.
    cased = text.split()
    n = len(lower)
    upper = sum(map(str.isupper, cased))
    cap_diff = 0 < n - upper < n
    sentiments: list = [0] * n
    plain = r.plain if "n't" not in lowered else ()
    context_words = r.context_words
    for i in [i for i, word in enumerate(lower) if word in scored]:
        word = lower[i]
        if (
            word in plain
            and context_words.isdisjoint(lower[i - 3 if i > 3 else 0 : i])
            and not (cap_diff and cased[i].isupper())
        ):
            sentiments[i] = r.lexicon[word]  # no rule applies: the lexicon valence as it is
            continue
        if word == "kind" and i < n - 1 and lower[i + 1] == "of":
            continue
        sentiments[i] = _word_valence(i, cased, lower, cap_diff, r)
    if "but" in lower:
        _but_shift(sentiments, lower.index("but"))
    total = float(sum(sentiments))
    if total == 0:
        return 0.0
    emphasis = _punctuation_emphasis(text)
    total = total + emphasis if total > 0 else total - emphasis
    value = total / math.sqrt(total * total + 15)
    return round(max(-1.0, min(1.0, value)), 4)


def score(texts: list[str]) -> list[float]:
    """VADER compound score of each text (0.0 for an empty one); repeated texts are scored once."""
    return [compound(text) if text and not text.isspace() else 0.0 for text in texts]


def score_spans(text: str, spans) -> list[float]:
    """Compound score of text[start:end] for each (start, end) span, e.g. sentences or quotes.

    Scores are memoised by text, so a quote that is also a sentence is scored once.
    """
    return score([text[start:end] for start, end in spans])
