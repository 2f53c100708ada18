"""Frame dictionaries: load YAML or LIWC .dic, match terms in text, keep every match as evidence.

Terms are matched in one pass over the text's normalised tokens with an Aho-Corasick automaton
(pyahocorasick), whatever the number of terms. Matches a speaker cites in order to reject them
("this was not self-defence") are flagged `rejected` by `RejectionRules`, whose cues live in
corpuskit/data/frames/rejection.yaml.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from importlib import resources
from itertools import groupby
from pathlib import Path

import ahocorasick
import yaml

from corpuskit.errors import UsageError

BUILTIN = "use_of_force.yaml"

# A token: letters/digits, with inner apostrophes, periods or commas (U.S., 2,000) and masked
# letters (bulls**t). Hyphens split tokens, so "self-defence" matches "self defence".
TOKEN_RE = re.compile(r"[^\W_]+(?:\*+[^\W_]+)*\**(?:[’'.,][^\W_]+(?:\*+[^\W_]+)*\**)*")
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
    out: list[Token] = []
    for m in TOKEN_RE.finditer(text):
        word = m.group().lower().replace("’", "'")
        start, end = m.span()
        if "*" in word and unmask:
            word = _unmask(word, unmask)
        clitic = CLITIC_RE.search(word)
        if clitic and clitic.start() > 0:
            cut = start + clitic.start()
            out.append(Token(word[: clitic.start()], start, cut))
            out.append(Token(word[clitic.start() :], cut, end))
        else:
            out.append(Token(word, start, end))
    return out


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
        tokens = tokenize(text, self.rules.unmask)
        if not tokens:
            return []
        joined, token_at = _join(tokens)
        found = []
        for end_char, (key_len, values) in self._automaton.iter(joined):
            first = token_at[end_char - key_len + 2]
            for frame, term, n in values:
                found.append((first, first + n - 1, frame, term))
        rank = {frame: i for i, frame in enumerate(self.frames)}
        kept = _resolve_overlaps(found, rank)
        contested = [(a, b) for a, b, frame, _ in kept if frame in self.contestable]
        cues = self.rules.rejections(tokens, text, contested) if contested else {}
        out = []
        for first, last, frame, term in kept:
            start, end = tokens[first].start, tokens[last].end
            cue = cues.get((first, last)) if frame in self.contestable else None
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


def _join(tokens: list[Token]) -> tuple[str, dict[int, int]]:
    """' tok0 tok1 ... ' and the position of each token's first character -> token index."""
    parts, token_at, pos = [" "], {}, 1
    for i, tok in enumerate(tokens):
        token_at[pos] = i
        parts.append(tok.norm)
        parts.append(" ")
        pos += len(tok.norm) + 1
    return "".join(parts), token_at


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

    def rejections(
        self, tokens: list[Token], text: str, spans: list[tuple[int, int]]
    ) -> dict[tuple[int, int], str]:
        """For each rejected (first, last) token span, the cue that rejects it.

        Scope: a negator up to `negation_window` words before the term in the same clause; a
        distancing cue earlier in the same sentence; or a verdict ("that is a lie") opening a
        clause after the term in the same or the next sentence.
        """
        norms = [t.norm for t in tokens]
        sentence, clause = [0] * len(tokens), [0] * len(tokens)
        for i in range(1, len(tokens)):
            gap = text[tokens[i - 1].end : tokens[i].start]
            sentence[i] = sentence[i - 1] + bool(SENTENCE_GAP_RE.search(gap))
            clause[i] = clause[i - 1] + bool(CLAUSE_GAP_RE.search(gap))
        cue_spans = self._distancing_spans(norms)
        cue_starts = [a for a, _ in cue_spans]
        out = {}
        for first, last in spans:
            cue = (
                self._negation(norms, clause, first)
                or _distancing(cue_spans, cue_starts, sentence, first)
                or self._verdict(norms, sentence, clause, last)
            )
            if cue is not None:
                kind, a, b = cue
                out[(first, last)] = f"{kind}: {text[tokens[a].start : tokens[b].end]}"
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
        by_word: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.distancing:
            by_word.setdefault(phrase[0], []).append(phrase)
        prefixes = [p for p in self.distancing if len(p) == 1 and p[0].endswith("*")]
        spans = []
        for j, norm in enumerate(norms):
            for phrase in by_word.get(norm, ()):
                if _phrase_at(norms, j, phrase):
                    spans.append((j, j + len(phrase) - 1))
                    break
            else:
                for phrase in prefixes:
                    if _phrase_at(norms, j, phrase):
                        spans.append((j, j))
                        break
        return spans

    def _verdict(self, norms, sentence, clause, last):
        for j in range(last + 1, len(norms)):
            if sentence[j] > sentence[last] + 1:
                return None
            if clause[j] == clause[j - 1]:
                continue
            end = self._verdict_at(norms, j)
            if end is not None:
                return ("verdict", j, end)
        return None

    def _verdict_at(self, norms, j):
        """End index of 'subject copula [intensifier]{0,2} verdict' starting at `j`, else None."""
        for subject in self.subjects:
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
                for verdict in self.verdicts:
                    if _phrase_at(norms, k + skip, verdict):
                        return k + skip + len(verdict) - 1
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


_RULES: RejectionRules | None = None
