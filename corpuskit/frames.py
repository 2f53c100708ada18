"""Frame dictionaries: load YAML or LIWC .dic, match terms in text, keep every match as evidence.

Terms are matched in one pass over the text's normalised tokens with an Aho-Corasick automaton
(pyahocorasick), whatever the number of terms. Matches a speaker cites in order to reject them
("this was not self-defence") are flagged `rejected` by `RejectionRules`, whose cues live in
corpuskit/data/frames/rejection.yaml.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from importlib import resources
from itertools import accumulate, groupby
from pathlib import Path

import ahocorasick
import yaml

from corpuskit.errors import UsageError

BUILTIN = "use_of_force.yaml"

# A token: letters/digits, with inner apostrophes, periods or commas (U.S., 2,000) and masked
# letters (bulls**t). Hyphens split tokens, so "self-defence" matches "self defence".
# Quantifiers are possessive (`++`, `*+`): what may follow each repeated class is outside it,
# so backtracking could never find another token, and not trying it makes matching faster.
TOKEN_RE = re.compile(r"[^\W_]++(?:\*++[^\W_]++)*+\**+(?:[’'.,][^\W_]++(?:\*++[^\W_]++)*+\**+)*+")
TOKEN_SPLIT_RE = re.compile(f"({TOKEN_RE.pattern})")  # keeps the tokens between the gaps
CLITIC_RE = re.compile(r"(?:n't|'s|'re|'ll|'ve|'d|'m)$")
FRAME_NAME_RE = re.compile(r"^[\w.\-]+$")


@dataclass(frozen=True)
class Token:
    """A normalised token (lower-case, straight apostrophe) and its span in the original text."""

    norm: str
    start: int
    end: int


def tokenize(text: str, unmask: dict[int, list[str]] | None = None) -> list[Token]:
    """Normalised tokens of `text`, with clitics split off ("wasn't" -> "was", "n't").

    `unmask` (word length -> words) restores masked words: "bulls**t" -> "bullshit".
    """
    return list(map(Token, *_scan(text, unmask)))


def _scan(
    text: str, unmask: dict[int, list[str]] | None = None
) -> tuple[list[str], list[int], list[int]]:
    """The tokens of `tokenize` as three lists (norms, starts, ends): no object per token."""
    lowered = text.lower()
    if len(lowered) != len(text) or "Σ" in text:
        return _scan_words(text, unmask)
    # Lowering is one character for one and context-free here, and keeps every character's
    # class, so the lowered text has the same tokens at the same offsets, already lowered.
    pieces = TOKEN_SPLIT_RE.split(lowered.replace("’", "'"))  # gap, token, gap, ..., gap
    offsets = list(accumulate(map(len, pieces)))
    norms, starts, ends = pieces[1::2], offsets[0:-1:2], offsets[1::2]
    if unmask and "*" in lowered:
        for i in [i for i, word in enumerate(norms) if "*" in word]:
            norms[i] = _unmask(norms[i], unmask)
    if "'" in lowered or "’" in lowered:
        for i in reversed([i for i, word in enumerate(norms) if "'" in word]):
            clitic = CLITIC_RE.search(norms[i])
            if clitic and clitic.start() > 0:
                word, start, end = norms[i], starts[i], ends[i]
                cut = start + clitic.start()
                norms[i : i + 1] = (word[: clitic.start()], word[clitic.start() :])
                starts[i : i + 1] = (start, cut)
                ends[i : i + 1] = (cut, end)
    return norms, starts, ends


def _scan_words(
    text: str, unmask: dict[int, list[str]] | None = None
) -> tuple[list[str], list[int], list[int]]:
    """`_scan` lowering token by token, for texts whose lowering changes length or needs context."""
    norms: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for m in TOKEN_RE.finditer(text):
        word = m.group().lower()
        start, end = m.span()
        if "’" in word:
            word = word.replace("’", "'")
        if "*" in word and unmask:
            word = _unmask(word, unmask)
        if "'" in word:  # every clitic starts with an apostrophe
            clitic = CLITIC_RE.search(word)
            if clitic and clitic.start() > 0:
                cut = start + clitic.start()
                norms += (word[: clitic.start()], word[clitic.start() :])
                starts += (start, cut)
                ends += (cut, end)
                continue
        norms.append(word)
        starts.append(start)
        ends.append(end)
    return norms, starts, ends


def _unmask(word: str, known: dict[int, list[str]]) -> str:
    """The known word `word` masks letter by letter (f**k -> fuck), else `word` unchanged."""
    for candidate in known.get(len(word), ()):
        if all(a == "*" or a == b for a, b in zip(word, candidate, strict=True)):
            return candidate
    return word


@dataclass
class FrameDictionary:
    """Frames (name -> terms) with descriptions, matched in one pass over a text's tokens."""

    terms: dict[str, list[str]]
    name: str = "custom"
    version: str = "0"
    descriptions: dict[str, str] = field(default_factory=dict)
    contestable: frozenset[str] = frozenset()
    contest_frame: str | None = None
    sha256: str = ""

    def __post_init__(self):
        self.frames: list[str] = list(self.terms)
        self.rules = RejectionRules.load()
        self._rank = {frame: i for i, frame in enumerate(self.frames)}
        self._automaton = self._compile()

    @classmethod
    def load(cls, path: str | Path | None = None) -> FrameDictionary:
        """Load a YAML or LIWC .dic dictionary; None loads the built-in use-of-force dictionary."""
        if isinstance(path, FrameDictionary):
            return path
        if path is None:
            raw = resources.files("corpuskit.data.frames").joinpath(BUILTIN).read_bytes()
            return _from_yaml(raw, Path(BUILTIN))
        p = Path(path)
        if not p.is_file():
            raise UsageError(f"frame dictionary not found: {p}")
        raw = p.read_bytes()
        if p.suffix.lower() == ".dic":
            return _from_dic(raw, p)
        if p.suffix.lower() in (".yaml", ".yml"):
            return _from_yaml(raw, p)
        raise UsageError(f"frame dictionary {p}: expected a .yaml, .yml or .dic file")

    def _compile(self) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        keys: dict[str, list[tuple[str, str, int]]] = {}
        for frame, terms in self.terms.items():
            for term in terms:
                wildcard = term.endswith("*")
                words = [t.norm for t in tokenize(term.rstrip("*"), self.rules.unmask)]
                if not words:
                    raise UsageError(f"frame dictionary {self.name}: term {term!r} has no word")
                key = " " + " ".join(words) + ("" if wildcard else " ")
                values = keys.setdefault(key, [])
                if all(f != frame for f, _, _ in values):  # first spelling of a frame wins
                    values.append((frame, term, len(words)))
        for key, values in keys.items():
            automaton.add_word(key, (len(key), tuple(values)))
        if keys:
            automaton.make_automaton()
        return automaton

    def find(self, text: str) -> list[dict]:
        """Every frame match in `text` as {frame, term, match, start, end, rejected, cue}.

        In text order. A match inside a longer match of any frame is dropped ("life" inside
        "fearing for his life"); overlapping matches of one frame keep the longest. `cue` says
        why a match is rejected ("negation: not"), else None.
        """
        if not self.terms:
            return []
        norms, starts, ends = _scan(text, self.rules.unmask)
        if not norms:
            return []
        joined = " " + " ".join(norms) + " "
        found = []
        for end_char, (key_len, values) in self._automaton.iter(joined):
            # A key starts with the space before its first token: count the spaces up to it.
            first = joined.count(" ", 0, end_char - key_len + 2) - 1
            for frame, term, n in values:
                found.append((first, first + n - 1, frame, term))
        if not found:
            return []
        kept = _resolve_overlaps(found, self._rank) if len(found) > 1 else found
        contestable = self.contestable
        contested = [(a, b) for a, b, frame, _ in kept if frame in contestable]
        cues = self.rules.find_rejections(norms, starts, ends, text, contested) if contested else {}
        out = []
        for first, last, frame, term in kept:
            start, end = starts[first], ends[last]
            cue = cues.get((first, last)) if frame in contestable else None
            out.append(
                {
                    "frame": frame,
                    "term": term,
                    "match": text[start:end],
                    "start": start,
                    "end": end,
                    "rejected": cue is not None,
                    "cue": cue,
                }
            )
        return out

    def count(self, text: str) -> dict[str, int]:
        """Matches per frame in `text`; rejected matches count toward the contestation frame."""
        counts = dict.fromkeys(self.frames, 0)
        for m in self.find(text):
            frame = counted_frame(m["frame"], m["rejected"], self.contest_frame)
            if frame is not None:
                counts[frame] += 1
        return counts


def counted_frame(frame: str, rejected: bool, contest_frame: str | None) -> str | None:
    """The frame a match counts toward: its own, or the contestation frame when rejected."""
    return contest_frame if rejected else frame


def _resolve_overlaps(found: list[tuple[int, int, str, str]], rank: dict[str, int]) -> list:
    """Drop matches strictly inside a longer match; within a frame keep the longest of overlaps.

    Returns (first token, last token, frame, term) in text order, frames in dictionary order.
    """
    found = sorted(set(found), key=lambda m: (m[0], -m[1], rank[m[2]], m[3]))
    by_frame: dict[str, tuple[int, int, str, str]] = {}
    per_frame = []
    for m in found:
        last = by_frame.get(m[2])
        if last is not None and m[0] <= last[1]:
            continue
        by_frame[m[2]] = m
        per_frame.append(m)
    kept = []
    longest_end = -1  # furthest end among earlier matches with a different span
    for span, group in groupby(per_frame, key=lambda m: m[:2]):
        if longest_end < span[1]:
            kept.extend(group)
        longest_end = max(longest_end, span[1])
    return kept


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _from_yaml(raw: bytes, path: Path) -> FrameDictionary:
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        reason = str(exc).splitlines()[0]
        raise UsageError(f"frame dictionary {path}: not valid YAML ({reason})") from None
    if not isinstance(data, dict):
        raise UsageError(f"frame dictionary {path}: expected a mapping of frame -> terms")
    frames = data.get("frames", data) if isinstance(data.get("frames"), dict) else data
    meta_keys = {"name", "version", "description"} if frames is data else set()
    terms, descriptions, contestable = {}, {}, set()
    for frame, spec in frames.items():
        if frame in meta_keys:
            continue
        frame = str(frame)
        if not FRAME_NAME_RE.match(frame):
            raise UsageError(f"frame dictionary {path}: bad frame name {frame!r}")
        if isinstance(spec, dict):
            items = spec.get("terms")
            descriptions[frame] = str(spec.get("description") or "").strip()
            if spec.get("contestable", frame != "contestation"):
                contestable.add(frame)
        else:
            items = spec
            if frame != "contestation":
                contestable.add(frame)
        if not isinstance(items, list) or not items:
            raise UsageError(f"frame dictionary {path}: frame {frame!r} needs a list of terms")
        odd = [t for t in items if not isinstance(t, str)]
        if odd:
            raise UsageError(
                f"frame dictionary {path}: frame {frame!r}: term {odd[0]!r} is not text "
                "(quote yes/no/true/false/on/off and numbers in YAML)"
            )
        terms[frame] = [_check_term(t, path, frame) for t in items]
    if not terms:
        raise UsageError(f"frame dictionary {path}: no frames")
    digest = _digest(raw)
    return FrameDictionary(
        terms=terms,
        name=str(data.get("name") or path.stem) if frames is not data else path.stem,
        version=str(data.get("version") or digest[:12]) if frames is not data else digest[:12],
        descriptions=descriptions,
        contestable=frozenset(contestable),
        contest_frame="contestation" if "contestation" in terms else None,
        sha256=digest,
    )


def _check_term(term: str, path: Path, frame: str) -> str:
    term = " ".join(term.split())
    if not term or "*" in term.rstrip("*") or term.startswith("*"):
        raise UsageError(
            f"frame dictionary {path}: frame {frame!r}: bad term {term!r} (`*` only at the end)"
        )
    return term


def _from_dic(raw: bytes, path: Path) -> FrameDictionary:
    """LIWC format: '%', lines 'id<TAB>category', '%', then lines 'term<TAB>id [id ...]'."""
    try:
        lines = raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        lines = raw.decode("latin-1").splitlines()
    marks = [i for i, line in enumerate(lines) if line.strip() == "%"]
    if len(marks) < 2:
        raise UsageError(f"frame dictionary {path}: not a LIWC .dic file (no % header)")
    categories: dict[str, str] = {}
    for line in lines[marks[0] + 1 : marks[1]]:
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 2:
            raise UsageError(f"frame dictionary {path}: bad category line {line.strip()!r}")
        categories[parts[0]] = parts[1]
    terms: dict[str, list[str]] = {name: [] for name in categories.values()}
    for n, line in enumerate(lines[marks[1] + 1 :], start=marks[1] + 2):
        if not line.strip():
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        fields = [f.strip() for f in fields if f.strip()]
        ids = [f for f in fields[1:] if f in categories]
        if len(fields) < 2 or not ids:
            raise UsageError(f"frame dictionary {path}: line {n}: term without a known category")
        term = _check_term(fields[0], path, categories[ids[0]])
        for cid in ids:
            terms[categories[cid]].append(term)
    terms = {k: v for k, v in terms.items() if v}
    if not terms:
        raise UsageError(f"frame dictionary {path}: no terms")
    digest = _digest(raw)
    return FrameDictionary(
        terms=terms,
        name=path.stem,
        version=digest[:12],
        contestable=frozenset(terms),
        contest_frame="contestation" if "contestation" in terms else None,
        sha256=digest,
    )


SENTENCE_GAP_RE = re.compile(r"[.!?]|\n\s*\n")
CLAUSE_GAP_RE = re.compile(r"[,;:.!?()\[\]\u2013\u2014]|\s-\s|\n")


def _phrases(items) -> list[tuple[str, ...]]:
    """Cue phrases as tuples of normalised words (a trailing `*` kept on the last word)."""
    out = []
    for item in items or ():
        item = str(item)
        if item.startswith("'"):  # a clitic such as 's, as the tokenizer splits it off
            out.append((item,))
            continue
        words = [t.norm for t in tokenize(item.rstrip("*"))]
        if words:
            if item.endswith("*"):
                words[-1] += "*"
            out.append(tuple(words))
    return out


def _phrase_at(norms: list[str], j: int, phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` (last word may end with `*`) occurs in `norms` at position `j`."""
    if j + len(phrase) > len(norms):
        return False
    for word, norm in zip(phrase, norms[j : j + len(phrase)], strict=True):
        if word.endswith("*") and norm.startswith(word[:-1]):
            continue
        if word != norm:
            return False
    return True


def _by_first_word(phrases: list[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    """Phrases grouped by their first word, each group in the given order."""
    groups: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        groups.setdefault(phrase[0], []).append(phrase)
    return groups


@dataclass
class RejectionRules:
    """Cues that a frame term is cited to be rejected (corpuskit/data/frames/rejection.yaml)."""

    negators: frozenset[str]
    negation_window: int
    pseudo_negations: list[tuple[str, ...]]
    scope_breakers: frozenset[str]
    distancing: list[tuple[str, ...]]
    subjects: list[tuple[str, ...]]
    copulas: frozenset[str]
    intensifiers: frozenset[str]
    verdicts: list[tuple[str, ...]]
    unmask: dict[int, list[str]]
    version: str
    sha256: str

    @classmethod
    def load(cls) -> RejectionRules:
        """The built-in rules, parsed once per process."""
        global _RULES
        if _RULES is None:
            raw = resources.files("corpuskit.data.frames").joinpath("rejection.yaml").read_bytes()
            data = yaml.safe_load(raw.decode("utf-8"))
            unmask: dict[int, list[str]] = {}
            for word in data.get("unmask") or ():
                unmask.setdefault(len(word), []).append(word.lower())
            _RULES = cls(
                negators=frozenset(w for p in _phrases(data["negators"]) for w in p),
                negation_window=int(data["negation_window"]),
                pseudo_negations=_phrases(data["pseudo_negations"]),
                scope_breakers=frozenset(w for p in _phrases(data["scope_breakers"]) for w in p),
                distancing=_phrases(data["distancing"]),
                subjects=_phrases(data["verdict_subjects"]),
                copulas=frozenset(w for p in _phrases(data["verdict_copulas"]) for w in p),
                intensifiers=frozenset(
                    w for p in _phrases(data["verdict_intensifiers"]) for w in p
                ),
                verdicts=_phrases(data["verdicts"]),
                unmask=unmask,
                version=str(data.get("version", "0")),
                sha256=_digest(raw),
            )
        return _RULES

    def __post_init__(self):
        self._distancing_by_word = _by_first_word(self.distancing)
        self._distancing_prefixes = tuple(
            p[0][:-1] for p in self.distancing if len(p) == 1 and p[0].endswith("*")
        )
        # Verdicts can only start at a subject's first word (any word if one is a prefix).
        self._subject_prefix = any(p[0].endswith("*") for p in self.subjects)
        self._subjects_by_word = _by_first_word(self.subjects)
        self._verdict_prefix = any(p[0].endswith("*") for p in self.verdicts)
        self._verdicts_by_word = _by_first_word(self.verdicts)

    def find_rejections(
        self,
        norms: list[str],
        starts: list[int],
        ends: list[int],
        text: str,
        spans: list[tuple[int, int]],
    ) -> dict[tuple[int, int], str]:
        """For each rejected (first, last) token span, the cue that rejects it; tokens given as
        three lists (as `_scan` returns them).

        Scope: a negator up to `negation_window` words before the term in the same clause; a
        distancing cue earlier in the same sentence; or a verdict ("that is a lie") opening a
        clause after the term in the same or the next sentence. Cues are located first; sentence
        and clause bounds are only computed when one exists.
        """
        has_negator = not self.negators.isdisjoint(norms)
        cue_spans = self._distancing_spans(norms)
        verdict_spans = self._verdict_spans(norms)
        if not (has_negator or cue_spans or verdict_spans):
            return {}
        sentence, clause = _sentences_and_clauses(text, starts, ends)
        cue_starts = [a for a, _ in cue_spans]
        verdict_starts = [a for a, _ in verdict_spans]
        out = {}
        for first, last in spans:
            cue = (
                (has_negator and self._negation(norms, clause, first))
                or _distancing(cue_spans, cue_starts, sentence, first)
                or _verdict(verdict_spans, verdict_starts, sentence, clause, last)
            )
            if cue:
                kind, a, b = cue
                out[(first, last)] = f"{kind}: {text[starts[a] : ends[b]]}"
        return out

    def _negation(self, norms, clause, first):
        for j in range(first - 1, max(-1, first - 1 - self.negation_window), -1):
            if clause[j] != clause[first] or norms[j] in self.scope_breakers:
                return None
            if norms[j] in self.negators:
                if any(_phrase_at(norms, j, p) for p in self.pseudo_negations):
                    continue
                return ("negation", j, j)
        return None

    def _distancing_spans(self, norms):
        """(first, last) token spans of every distancing cue, in text order."""
        by_word = self._distancing_by_word
        prefixes = self._distancing_prefixes
        if by_word.keys().isdisjoint(norms):
            # No cue's first word: only a prefix cue can match, found after a space if so.
            joined = " " + " ".join(norms) if prefixes else ""
            if not any(f" {prefix}" in joined for prefix in prefixes):
                return []
        spans = []
        for j, norm in enumerate(norms):
            for phrase in by_word.get(norm, ()):
                if _phrase_at(norms, j, phrase):
                    spans.append((j, j + len(phrase) - 1))
                    break
            else:
                if prefixes and norm.startswith(prefixes):
                    spans.append((j, j))
        return spans

    def _verdict_spans(self, norms):
        """(first, last) token spans of every verdict ('that is a lie'), in text order."""
        if self.copulas.isdisjoint(norms):  # a verdict needs a copula
            return []
        if self._subject_prefix:
            candidates = [(j, self.subjects) for j in range(len(norms))]
        else:
            by_word = self._subjects_by_word
            candidates = [(j, by_word[norm]) for j, norm in enumerate(norms) if norm in by_word]
        spans = []
        for j, subjects in candidates:
            end = self._verdict_at(norms, j, subjects)
            if end is not None:
                spans.append((j, end))
        return spans

    def _verdict_at(self, norms, j, subjects):
        """End index of 'subject copula [intensifier]{0,2} verdict' starting at `j`, else None.

        `subjects` are the verdict subjects worth trying at `j`, in rule order.
        """
        for subject in subjects:
            if not _phrase_at(norms, j, subject):
                continue
            k = j + len(subject)
            if k >= len(norms) or norms[k] not in self.copulas:
                continue
            k += 1
            for skip in range(3):
                if skip and (
                    k + skip - 1 >= len(norms) or norms[k + skip - 1] not in self.intensifiers
                ):
                    break
                at = k + skip
                if at >= len(norms):
                    break
                if self._verdict_prefix:
                    verdicts = self.verdicts
                else:
                    verdicts = self._verdicts_by_word.get(norms[at], ())
                for verdict in verdicts:
                    if _phrase_at(norms, at, verdict):
                        return at + len(verdict) - 1
        return None


def _distancing(cue_spans, cue_starts, sentence, first):
    """The nearest distancing cue that ends before token `first` in its sentence, if any."""
    for k in range(bisect_left(cue_starts, first) - 1, -1, -1):
        a, b = cue_spans[k]
        if sentence[a] != sentence[first]:
            return None
        if b < first:
            return ("distancing", a, b)
    return None


def _verdict(verdict_spans, verdict_starts, sentence, clause, last):
    """The first verdict opening a clause after token `last`, in its sentence or the next."""
    for k in range(bisect_right(verdict_starts, last), len(verdict_spans)):
        j, end = verdict_spans[k]
        if sentence[j] > sentence[last] + 1:
            return None
        if clause[j] != clause[j - 1]:
            return ("verdict", j, end)
    return None


def _sentences_and_clauses(text, starts, ends):
    """Sentence and clause number of each token, from the punctuation in the gaps between them."""
    sentence, clause = [0] * len(starts), [0] * len(starts)
    s = c = 0
    for i in range(1, len(starts)):
        gap = text[ends[i - 1] : starts[i]]
        if gap and gap != " ":  # a lone space or nothing (a split clitic) breaks nothing
            s += bool(SENTENCE_GAP_RE.search(gap))
            c += bool(CLAUSE_GAP_RE.search(gap))
        sentence[i] = s
        clause[i] = c
    return sentence, clause


_RULES: RejectionRules | None = None
