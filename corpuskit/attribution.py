"""Statements of news prose: each quote, and each unquoted sentence with a speech verb, tied to
a reporting verb (cue) and a speaker mention, then resolved to a document-local speaker."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from corpuskit.coreference import DocumentNames, Entity, Resolver
from corpuskit.cues import CueFinder, lexicon, trie_pattern
from corpuskit.mentions import (
    NO_SUBJECT,
    RELATIVE_RE,
    SKIP_BEFORE_CUE,
    Mention,
    loose_mention,
    np_after,
    np_before,
    tokens,
)
from corpuskit.quotemarks import (
    find_quotes,
    is_nickname,
    is_title,
    mask_quotes,
    sentence_spans,
    single_quotes,
)
from corpuskit.transcripts import NOT_SPEAKERS

NEGATORS = frozenset("not n't never to".split())
NEGATION_RE = re.compile(r"(?i)\b(?:not|never|to)\b|n['’]t")  # found in any negating token


TIME_RE = re.compile(
    r"\s*(?:(?:on|last|this|late|early)\s+)?(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday|yesterday|today|tonight|week|month|year|night|morning|afternoon|evening)"
    r"(?:\s+(?:night|morning|afternoon|evening))?\b\s*)+"
)


THAT_RE = re.compile(r"\s*(?:,\s*)?that\s+")
OBJECT_THAT_RE = re.compile(r"\s+((?:[\w’'.\-]+\s+){0,7}?)that\s+")  # `told reporters that`
ARTICLE_INSIDE_RE = re.compile(r"\s(?:the|a|an)\s")
OBJECT_PRONOUN_RE = re.compile(r"\s+(?:me|us|you|him|her|them)\b")


ADVERBIAL_RE = re.compile(
    r"\s*,?\s*(?:in|at|on|during|to|via)\s+(?:a|an|the|his|her|their|its)\s+(?:[\w’'\-]+\s+){0,3}?"
    r"(?:statement|interview|conference|briefing|post|email|letter|hearing|speech|release|filing|"
    r"reporters|call|video|message|appearance|rally|meeting|session)\b,?"
    r"(?:\s+(?:on|with|to)\s+(?:[A-Z][\w.]*\s*)+)?,?"
)


DATELINE_RE = re.compile(
    r"[A-Z][A-Z .'’\-]{2,30}(?:,\s+[A-Z][\w. ]{1,25})?\s*(?:\([A-Za-z. ]{1,20}\))?\s*[—–-]+\s+"
)


# `acknowledge the math is tight`: a subject of up to four words, then a finite verb
CLAUSE_RE = re.compile(
    r"\s+(?:the|a|an|his|her|its|their|this|that|these|those|it|he|she|they)\b[\w’'\- ]{0,40}?"
    r"\b(?:is|are|was|were|had|has|have|would|will|could|should|can|may|might|must)\b"
)
QUESTION_RE = re.compile(r"\s+(?:[\w’'.\-]+,?\s+){0,6}?(?P<wh>whether|if)\s+")
LABEL_RE = re.compile(r"(\s*)(?P<name>[A-Z][\w.’'\-]*(?:\s+[A-Z][\w.’'\-]*){0,3}):\s*")
SECOND_REPORT_RE = re.compile(
    r"[,;]?\s+(?:and|but)\s+(?:he|she|they|it)\s+(?:also\s+|later\s+|\w+ly\s+)?$"
)
CLAUSE_CUT_RE = re.compile(
    r",\s+(?:but|while|although|though|whereas)\s+(?:he|she|they|it|we|the|a|an|[A-Z])\b|;\s"
    # `…,” but gave no date`: the reporter's verb again, with the speaker as its subject
    r"|(?:,|(?<=[”\"’']))\s+but\s+(?:[a-z]+ed|gave|did|would|was|made|took|left|said|told)\b"
)


CLEAN_GAP_RE = re.compile(r"[\s,;:—–\-]*")  # only punctuation between a quote and its cue
RESUMED_RE = re.compile(r"[^.!?“”\"\n]*,\s*")  # `“…,” he said, “…”`: between the two quotes
AND_END_RE = re.compile(r"\band\s*$")
COMMA_OR_AND_END_RE = re.compile(r"(?:,|\band)\s*$")
PARTICIPLE_CUT_RE = re.compile(r",\s*(?:and\s+)?(?:adding|saying|noting)\b")
# the words that open a clause, before its subject
CLAUSE_OPENER_END_RE = re.compile(
    r"(?:,|;|—|–|\b(?:and|but|since|as|because|while|after|when|where|that))$"
)


PREPOSITIONS = frozenset(
    "outside inside in at on during after before from to with near by over".split()
)


JOIN = r"[ ,]*(?:and|or)?[ ,]*"
# a title's period inside a cue (`said Sen. Lisa Murkowski`) does not end the sentence
ABBREVIATION_RE = re.compile(r"\b[A-Z][A-Za-z.]{0,3}\.(?=\s+[A-Z])")


TITLE_BEFORE_RE = re.compile(r"(?:\b(?:on|in|of|titled|called|show|program|book|film)|[’']s)\s*$")


PAREN_CAPS_RE = re.compile(r"\([A-Z]{2,}\)")  # what every ACRONYM_RE match ends with
ACRONYM_RE = re.compile(r"((?:[A-Z][\w’'\-]*\s+(?:(?:of|and|for|the)\s+)*){1,7})\(([A-Z]{2,})\)")


@dataclass
class Statement:
    paragraph: int
    kind: str
    start: int
    end: int
    mention: Mention | None = None
    entity: Entity | None = None
    cue: tuple[int, int] | None = None
    continuation: bool = False
    quote: tuple[int, int] | None = None  # the quoted span of a mixed statement


def _cue_near_end(cues: CueFinder, lo: int, hi: int):
    """The last cue in masked[lo:hi]."""
    found = None
    for m in cues.finditer(lo, hi):
        found = m
    return found


def _clean_gap(gap: str) -> bool:
    return CLEAN_GAP_RE.fullmatch(gap) is not None


def _negated(masked: str, lo: int, cue_start: int) -> bool:
    """`did not say`, `never said`, `refused to say`: the cue reports nothing."""
    window_lo = max(lo, cue_start - 40)
    if not NEGATION_RE.search(masked[window_lo:cue_start]):
        return False  # no token of the window can be a negator
    toks = [t[2].lower() for t in tokens(masked, window_lo, cue_start)]
    while toks and toks[-1] in SKIP_BEFORE_CUE:
        toks.pop()
    return bool(toks) and (
        toks[-1] in NEGATORS or toks[-1].endswith("n't") or toks[-1].endswith("n’t")
    )


class Intervals:
    """Sorted spans already claimed by statements, with fast cover and overlap tests."""

    def __init__(self, spans):
        self.spans = sorted(spans)
        self.starts = [a for a, _ in self.spans]

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.spans.insert(i, (start, end))

    def covers(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start)
        for _, b in self.spans[max(0, i - 3) : i]:
            if b >= end:
                return True
        return False

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end)
        return any(b > start for _, b in self.spans[max(0, i - 3) : i])


@lru_cache(maxsize=1)
def _participles_re() -> re.Pattern:
    """`, adding` / `and said`: a second cue that ends a mixed statement's clause."""
    forms = [f for f in lexicon().cue_lemma if " " not in f and f[:1].islower()]
    return re.compile(r"(?:,\s*(?:and\s+)?|\s+and\s+)(?:" + trie_pattern(forms) + r")\b")


class Extractor:
    """Finds the statements of one document, then resolves their speakers in text order."""

    def __init__(self, text: str, paragraphs: list[tuple[int, int, bool]]):
        self.text = text
        self.paragraphs = [p for p in paragraphs if p[1] > p[0]]
        self.lex = lexicon()
        double = find_quotes(text, self.paragraphs)
        spans = sorted(double + single_quotes(text, self.paragraphs, double))
        self.spans = [q for q in spans if not is_nickname(text, *q)]
        self.masked = mask_quotes(text, self.spans)
        self.cues = CueFinder(self.masked, self.lex)  # every cue search of the document
        self.sentences = []  # (paragraph, start, end)
        for i, (ps, pe, heading) in enumerate(self.paragraphs):
            if not heading:
                self.sentences.extend((i, s, e) for s, e in sentence_spans(self.masked, ps, pe))
        self._sentence_starts = [s for _, s, _ in self.sentences]
        self._paragraph_starts = [p[0] for p in self.paragraphs]
        self.acronyms = {
            m.group(2): m.group(1).strip()
            for m in (ACRONYM_RE.finditer(self.masked) if PAREN_CAPS_RE.search(self.masked) else ())
            if "".join(w[0] for w in m.group(1).split() if w[0].isupper()) == m.group(2)
        }
        names = DocumentNames(text, self.masked, self.lex)
        self.resolver = Resolver(names, self.acronyms, self.masked)
        self.statements: list[Statement] = []
        self.used_cues: set[int] = set()
        self._readings: dict[tuple[int, int, int], tuple] = {}  # (s, e, cue) -> `_first_reading`
        self._cued: dict[int, list[Statement]] = {}  # sentence start -> statements cued in it
        self.participles = _participles_re()

    def paragraph_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self._paragraph_starts, pos) - 1)

    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        if i >= 0 and pos < self.sentences[i][2]:
            return self.sentences[i][1], self.sentences[i][2]
        p = self.paragraphs[self.paragraph_of(pos)]
        return p[0], p[1]

    def run(self) -> list[Statement]:
        self.quoted_statements()
        self.indirect_statements()
        self.statements.sort(key=lambda s: (s.start, s.end))
        self.resolve()
        return self.statements

    def resolve(self) -> None:
        """Tie mentions to speakers in text order; continuations take the previous speaker."""
        prev: Statement | None = None
        for st in self.statements:
            if st.continuation:
                if prev is not None and prev.paragraph >= st.paragraph - 1:
                    st.mention, st.entity = prev.mention, prev.entity
            elif st.mention is not None:
                st.entity = self.resolver.resolve(st.mention, st.mention.start)
            if st.kind == "mixed" and st.entity is None and st.quote is not None:
                qs, qe = st.quote
                if len(self.text[qs:qe].split()) <= 3:
                    st.kind, st.start, st.end, st.mention, st.cue = "scare", qs, qe, None, None
            if st.kind != "scare" and (st.entity is not None or st.continuation):
                prev = st
        merged = self.resolver.merge_roles()
        for st in self.statements:
            if st.entity is not None and id(st.entity) in merged:
                st.entity = merged[id(st.entity)]

    # quoted text -----------------------------------------------------------------------------

    def quoted_statements(self) -> None:
        k = 0
        while k < len(self.spans):
            stmts, consumed = self.attribute_quote(k)
            for st in stmts:
                self._add(st)
            k += consumed

    def _post_limit(self, k: int) -> int:
        """End of the prose after quote k: its sentence, paragraph or the next quote."""
        close_pos = self.spans[k][1]
        after = min(close_pos + 1, len(self.text))
        hi = self.sentence_of(after)[1] if after < len(self.text) else after
        ps, pe, _ = self.paragraphs[self.paragraph_of(close_pos)]
        hi = min(hi, pe)
        if k + 1 < len(self.spans) and self.spans[k + 1][0] - 1 > close_pos:
            hi = min(hi, self.spans[k + 1][0] - 1)
        return max(hi, after)

    def attribute_quote(self, k: int):
        text, masked, lex = self.text, self.masked, self.lex
        qs, qe = self.spans[k]
        open_pos, close_pos = qs - 1, qe
        ss, _ = self.sentence_of(open_pos)
        pre_lo = ss
        if k and self.spans[k - 1][1] + 1 > ss:
            pre_lo = self.spans[k - 1][1] + 1
        post_hi = self._post_limit(k)
        para = self.paragraph_of(qs)
        pre = masked[pre_lo:open_pos]
        if TITLE_BEFORE_RE.search(pre) and is_title(text[qs:qe]):
            return [Statement(para, "scare", qs, qe)], 1  # `on CNN's “State of the Union”`
        cue = _cue_near_end(self.cues, pre_lo, open_pos)
        # `She mocked his rallies — “people leave early,” she said — and …`: a quote set off by
        # dashes or parentheses with its own cue after it is a direct quote of that cue
        aside = pre.rstrip().endswith(("—", "–", "("))
        # 1. cue before: `X said: “…”`, `saying, “…”`, `according to X, “…”`
        if cue is not None:
            gap = masked[cue.end() : open_pos]
            if lex.cue_lemma[cue.group()] == "according to":
                mention = np_after(text, cue.end(), open_pos, lex)
                if mention and re.fullmatch(r"\s*,\s*", masked[mention.end : open_pos]):
                    return [self._stmt(para, "direct", qs, qe, mention, cue)], 1
            elif len(gap.split()) <= 6 and (_clean_gap(gap) or gap.rstrip().endswith((",", ":"))):
                mention = self.subject(pre_lo, cue)
                return [self._stmt(para, "direct", qs, qe, mention, cue)], 1
            elif not (aside and self.cue_after(close_pos + 1, post_hi)):
                mention = self.subject(pre_lo, cue)
                outer = self._outer_report(pre_lo, cue, mention)
                if outer is not None:
                    cue, mention = outer, self.subject(pre_lo, outer)
                return self.mixed(k, cue, mention, para)
        # 2. cue after: `“…,” X said`, `“…,” said X`
        found = self.cue_after(close_pos + 1, post_hi)
        if found is not None:
            cue_m, mention = found
            lead = pre.strip(" \n,;:—–-(")
            if (
                lead
                and not aside
                and not re.fullmatch(JOIN, pre)
                and not DATELINE_RE.fullmatch(pre.lstrip())
            ):
                # `The plan is “dead on arrival,” Smith said`: the clause is the statement
                lo = pre_lo + len(pre) - len(pre.lstrip())
                return [self._stmt(para, "mixed", lo, qe, mention, cue_m)], 1
            st = self._stmt(para, "direct", qs, qe, mention, cue_m)
            # `“…,” he said, “…”`: the resumed quote is the same statement
            nxt = self.spans[k + 1] if k + 1 < len(self.spans) else None
            between = ABBREVIATION_RE.sub("", masked[close_pos + 1 : nxt[0] - 1] if nxt else "")
            if nxt and RESUMED_RE.fullmatch(between):
                if text[nxt[0] : nxt[0] + 1].islower():
                    st.end = nxt[1]
                    return [st], 2
            return [st], 1
        # quotes joined by `and` / `,` share the cue that follows the last one
        nxt = self.spans[k + 1] if k + 1 < len(self.spans) else None
        joined = nxt and self.paragraph_of(nxt[0]) == para
        if joined and re.fullmatch(JOIN, masked[close_pos + 1 : nxt[0] - 1]) and not pre.strip():
            j = k + 1
            while j + 1 < len(self.spans) and re.fullmatch(
                JOIN, masked[self.spans[j][1] + 1 : self.spans[j + 1][0] - 1]
            ):
                j += 1
            after = self.cue_after(self.spans[j][1] + 1, self._post_limit(j))
            if after is not None:
                cue_m, mention = after
                return [self._stmt(para, "direct", qs, qe, mention, cue_m)], 1
        # a paragraph ending `X said:` introduces the quote that opens the next paragraph
        starts_sentence = not pre.strip(" \n,;:—–-(")
        ps = self.paragraphs[para][0]
        if starts_sentence and para > 0 and not text[ps:open_pos].strip():
            prev_s, prev_e, _ = self.paragraphs[para - 1]
            if masked[prev_s:prev_e].rstrip().endswith(":"):
                lo = self.sentence_of(prev_e - 1)[0]
                cue = _cue_near_end(self.cues, lo, prev_e)
                if cue is not None and len(masked[cue.end() : prev_e].split()) <= 6:
                    mention = self.subject(lo, cue)
                    return [self._stmt(para, "direct", qs, qe, mention, cue)], 1
        # a headline `Trump: ‘We will win’`: the name before the colon is the speaker
        label = LABEL_RE.fullmatch(text, ps, open_pos)
        if label is not None and not set(label.group("name").upper().split()) & NOT_SPEAKERS:
            mention = np_before(text, ps, label.end("name"), lex)
            if mention is not None and mention.start == ps + len(label.group(1)):
                return [self._stmt(para, "direct", qs, qe, mention, None)], 1
        # 3. no cue: a quote opening its sentence continues the last speaker; else a scare quote
        n_words = len(text[qs:qe].split())
        if starts_sentence and (n_words >= 4 or text[qs:qe].rstrip()[-1:] in ".!?,"):
            return [Statement(para, "direct", qs, qe, continuation=True)], 1
        return [Statement(para, "scare", qs, qe)], 1

    def _outer_report(self, lo: int, cue, mention: Mention | None):
        """The reporting verb whose clause holds `mention … cue`, as in `Reid defended the
        policy, saying teachers had described classrooms where students “…”`: the quoted words
        are reported by Reid, and the teachers are the subject inside Reid's clause."""
        if mention is None or mention.kind == "pronoun":
            return None
        found = None
        for outer in self.cues.finditer(lo, mention.start):
            if outer.group() not in self.lex.speech or outer.end() > mention.start:
                continue
            gap = self.masked[self._after_adverbials(outer.end(), mention.start) : mention.start]
            if re.fullmatch(r"\s*(?:that\s+)?", gap):
                found = outer
        return found

    def cue_after(self, lo: int, hi: int):
        """(cue match, mention) when masked[lo:hi] opens with `X said` or `said X`."""
        masked, lex = self.masked, self.lex
        for cue in self.cues.finditer(lo, min(hi, lo + 200)):
            gap = masked[lo : cue.start()]
            if _clean_gap(gap):
                mention = np_after(self.text, cue.end(), hi, lex)
                return (cue, mention) if mention is not None else None
            floor = lo + len(gap) - len(gap.lstrip(" ,;:—–-\n"))
            mention = np_before(self.text, floor, cue.start(), lex)
            if mention is not None:
                rest = masked[floor : mention.start]
                if _clean_gap(rest) or re.fullmatch(r"[\s,]*(?:the|The|a|A)?\s*", rest):
                    return cue, mention
            loose = loose_mention(self.text, masked, floor, cue.start(), lex)
            return (cue, loose) if loose is not None else None
        return None

    def subject(self, lo: int, cue, known: bool = False, mention=None) -> Mention | None:
        """Speaker of a cue; a participle or `and said` inherits the sentence's speaker.
        `known`: `mention` is the np_before(lo, cue) the caller read already."""
        before = self.masked[lo : cue.start()]
        if not known:
            mention = np_before(self.text, lo, cue.start(), self.lex)
        participle = cue.group().endswith("ing") and before.rstrip().endswith(",")
        if not (participle or AND_END_RE.search(before) or mention is None):
            return mention
        if not COMMA_OR_AND_END_RE.search(before):
            return mention
        s, _ = self.sentence_of(cue.start())
        opener = np_after(self.text, s, cue.start(), self.lex)
        if opener is not None and opener.start == s and opener.kind in ("pronoun", "person"):
            return opener  # `She mocked … — “…,” she said — and accused him of …`
        for st in reversed(self._cued.get(s, [])):
            if st.cue[0] < cue.start():
                return st.mention
        if opener is not None and opener.start - s < 3 and opener.kind != "pronoun":
            return opener
        if opener is not None and opener.kind == "pronoun" and opener.start == s:
            return opener
        return mention

    def mixed(self, k, cue, mention, para):
        """`X alleged the officer “recklessly” shot her`: the reported clause holding the quotes."""
        masked, text = self.masked, self.text
        s, e = self.sentence_of(cue.start())
        start = self._skip_object(cue, e)
        end = e
        cut = self.participles.search(masked, start, e)
        if cut and cut.start() > self.spans[k][1]:
            end = cut.start()
        cut = CLAUSE_CUT_RE.search(masked, self.spans[k][1], end)
        if cut:
            end = cut.start()
        consumed = 0
        qend = self.spans[k][1]
        while k + consumed < len(self.spans) and self.spans[k + consumed][0] < end:
            qend = max(qend, self.spans[k + consumed][1])
            consumed += 1
        end = max(end, qend + 1 if qend < len(text) else qend)
        while end > start and text[end - 1] in " .;,\n":
            end -= 1
        st = self._stmt(para, "mixed", start, end, mention, cue)
        st.quote = self.spans[k] if consumed <= 1 else None
        return [st], max(1, consumed)

    def _after_adverbials(self, start: int, end: int, then_that: bool = False) -> int:
        """Position after up to three times and `in a statement`-like phrases that follow a cue.
        `then_that`: a `that` is skipped too, as `_skip_object` reads the words after an
        object; there a time or `that` may run past `end`."""
        masked = self.masked
        time_end = len(masked) if then_that else end
        for _ in range(3):
            t = TIME_RE.match(masked, start, time_end)
            if t is None and then_that:
                t = THAT_RE.match(masked, start)
            if t is not None and t.end() > start:
                start = t.end()
                continue
            adv = ADVERBIAL_RE.match(masked, start, end)
            if adv is None:
                break
            start = adv.end()
        return start

    def _skip_object(self, cue, end: int) -> int:
        """Start of what a cue reports: after `that`, times, `in a statement`, `told X that`."""
        masked, text, lex = self.masked, self.text, self.lex
        start = self._after_adverbials(cue.end(), end)
        obj = OBJECT_THAT_RE.match(masked, start, end)
        first = obj.group(1).split()[:1] if obj else []
        if lex.cue_lemma.get(cue.group()) == "tell":
            pronoun = OBJECT_PRONOUN_RE.match(masked, start, end)
            if obj:
                start = obj.end()
            elif pronoun:
                start = pronoun.end()
            else:
                o = np_after(text, start, end, lex)
                if o is not None:
                    # `told NPR the administration had …`: the object stops before an article
                    inner = ARTICLE_INSIDE_RE.search(text, o.start, o.end)
                    start = inner.start() + 1 if inner else o.end
        elif obj and first and first[0].lower() in PREPOSITIONS:
            # `said outside the courthouse that …`
            start = obj.end()
        start = self._after_adverbials(start, end, then_that=True)
        while start < end and masked[start] in " ,:\n":
            start += 1
        return start

    def _add(self, st: Statement) -> None:
        """Keep a statement, indexed by the sentence of its cue (for `subject`)."""
        self.statements.append(st)
        if st.cue is not None:
            self._cued.setdefault(self.sentence_of(st.cue[0])[0], []).append(st)

    def _stmt(self, para, kind, start, end, mention, cue) -> Statement:
        if cue is not None:
            self.used_cues.add(cue.start())
        return Statement(para, kind, start, end, mention, None, cue.span() if cue else None)

    # unquoted (indirect) speech ----------------------------------------------------------------

    def indirect_statements(self) -> None:
        lex = self.lex
        taken = Intervals((st.start, st.end) for st in self.statements)
        # the speech and question cues of each sentence (those that end inside it), in order
        by_sentence: dict[int, list[re.Match]] = {}
        for cue in self.cues.finditer():
            if cue.group() not in lex.indirect_forms:
                continue
            i = bisect.bisect_right(self._sentence_starts, cue.start()) - 1
            if i >= 0 and cue.end() <= self.sentences[i][2]:
                by_sentence.setdefault(i, []).append(cue)
        for final_only in (True, False):
            for i, cues in by_sentence.items():
                para, s, e = self.sentences[i]
                if taken.covers(s, e):
                    continue
                for cue in cues:
                    if cue.start() in self.used_cues:
                        continue
                    st = self.indirect(para, s, e, cue, final_only)
                    if st is not None and not taken.overlaps(st.start, st.end):
                        taken.add(st.start, st.end)
                        self._add(st)
                        self.used_cues.add(cue.start())

    def indirect(self, para, s, e, cue, final_only: bool = False) -> Statement | None:
        """The unquoted statement a cue reports in sentence s:e; `final_only` keeps to the
        forms decided before the reported clause is read (`CLAUSE, X said.`). Both passes of
        `indirect_statements` share that work (`_first_reading`)."""
        key = (s, e, cue.start())
        if key not in self._readings:
            self._readings[key] = self._first_reading(para, s, e, cue)
        outcome, found, mention, end = self._readings[key]
        # each reading is used once: a statement found in the first pass is either kept (its
        # cue is then used) or given again in the second, so nothing is shared or copied
        if outcome == "done":
            return found
        if final_only:
            return None
        if outcome == "question":
            return self.question(para, s, end, cue, mention)
        return self._reported_clause(para, s, e, end, cue, mention, read=outcome == "unread")

    def _first_reading(self, para, s, e, cue):
        """(outcome, statement, mention, end): outcome `done` when the statement (or None)
        does not depend on the pass, else `question`, `clause` or `unread` (a clause whose
        mention is not read yet), to be read in the second."""
        masked, lex = self.masked, self.lex
        end = e
        while end > s and masked[end - 1] in ' .!?\n”"’':
            end -= 1
        if self.lex.cue_lemma[cue.group()] == "according to":
            return "done", self.according_to(para, s, e, end, cue), None, end
        if _negated(masked, s, cue.start()):
            return "done", None, None, end
        if lex.cue_lemma[cue.group()] in lex.questions:
            if QUESTION_RE.match(masked, cue.end(), end) is None:
                return "done", None, None, end  # `question` finds no `whether`/`if` clause
            return "question", None, np_before(self.text, s, cue.start(), lex), end
        if masked.find(",", s + 20, cue.start()) < 0:
            # every `CLAUSE, X said` form needs a comma more than 20 characters into the
            # sentence, before the cue: else the mention is read in the second pass, and only
            # if the cue reports a clause
            return "unread", None, None, end
        mention = np_before(self.text, s, cue.start(), lex)
        matched, found = self._clause_before(para, s, e, end, cue, mention)
        return ("done" if matched else "clause"), found, mention, end

    def _clause_before(self, para, s, e, end, cue, mention) -> tuple[bool, Statement | None]:
        """(matched, statement) for `CLAUSE, X said (in a statement).`,
        `CLAUSE, the 71-year-old said.` and `CLAUSE, said X.`; a matched form whose span is
        too short gives no statement and ends the search."""
        text, masked, lex = self.text, self.masked, self.lex

        def short_object() -> bool:
            """At most three words follow the cue and what it governs (`said in a statement`)."""
            return len(text[self._skip_object(cue, end) : end].split()) <= 3

        # `CLAUSE, X said (in a statement).`
        if mention is not None:
            lead = masked[s : mention.start].rstrip()
            if lead.endswith(",") and len(lead) > 20:
                rest = text[self._after_adverbials(cue.end(), end) : end]
                if rest.lstrip().startswith(",") or short_object():
                    return True, self._indirect(para, s, s + len(lead) - 1, mention, cue)
        # `CLAUSE, the 71-year-old said.` (a subject the phrase rules do not know)
        comma = masked.rfind(",", s, cue.start())
        if mention is None and comma - s > 20 and short_object():
            loose = loose_mention(text, masked, comma + 1, cue.start(), lex)
            if loose is not None:
                return True, self._indirect(para, s, comma, loose, cue)
        # `CLAUSE, said X.`
        lead = masked[s : cue.start()].rstrip()
        if mention is None and lead.endswith(",") and len(lead) > 20:
            m2 = np_after(text, cue.end(), e, lex)
            if m2 is not None and len(text[m2.end : end].split()) <= 6:
                return True, self._indirect(para, s, s + len(lead) - 1, m2, cue)
        return False, None

    def _reported_clause(self, para, s, e, end, cue, mention, read=False) -> Statement | None:
        """`X said (that) CLAUSE`, `…, and said CLAUSE` (the sentence's speaker); `read`: the
        mention before the cue is still to be read. The clause is checked before the speaker,
        which costs more to find."""
        masked, lex = self.masked, self.lex
        if lex.cue_lemma[cue.group()] in lex.needs_that:
            after_cue = self._after_adverbials(cue.end(), end)
            if not (THAT_RE.match(masked, after_cue) or CLAUSE_RE.match(masked, after_cue, end)):
                return None  # `added $700 billion`, `insisted on`: an object, not a report
        start = self._skip_object(cue, end)
        cut = PARTICIPLE_CUT_RE.search(masked[start:end])
        if cut:
            end = start + cut.start()
        cut = CLAUSE_CUT_RE.search(masked, start, end)
        if cut:
            end = cut.start()
        end = self._next_report(start, end)
        words = masked[start:end].split()
        if len(words) < 3 or words[0].lower() in NO_SUBJECT:
            return None
        if read:
            mention = np_before(self.text, s, cue.start(), lex)
        # `X said (that) CLAUSE`; `…, and said CLAUSE` inherits the sentence's speaker
        relative = mention is not None and RELATIVE_RE.match(masked, mention.end, cue.start())
        if relative:
            if lex.cue_lemma[cue.group()] not in ("say", "tell", "add"):
                return None
        elif mention is None or not self._subject_position(s, mention):
            if not COMMA_OR_AND_END_RE.search(masked[s : cue.start()]):
                return None
            mention = self.subject(s, cue, known=True, mention=mention)
            if mention is None:
                return None
        return self._indirect(para, start, end, mention, cue)

    def _next_report(self, start: int, end: int) -> int:
        """End of a reported clause before a second report in its sentence
        (`…, and he argued that …`), which is a statement of its own."""
        for cue in self.cues.finditer(start, end):
            lead = SECOND_REPORT_RE.search(self.masked, max(start, cue.start() - 40), cue.start())
            if lead and cue.group() in self.lex.speech:
                return lead.start()
        return end

    def question(self, para, s, end, cue, mention) -> Statement | None:
        """`Durbin asked Patel whether he had ordered the dismissals`: the clause from
        `whether`/`if`, by the cue's subject."""
        if mention is None or not self._subject_position(s, mention):
            return None
        if mention.end < cue.start() - 40:
            return None
        wh = QUESTION_RE.match(self.masked, cue.end(), end)
        if wh is None:
            return None
        start = wh.start("wh")
        stop = CLAUSE_CUT_RE.search(self.masked, start, end)
        stop = stop.start() if stop else end
        if len(self.masked[start:stop].split()) < 4:
            return None
        return self._indirect(para, start, stop, mention, cue)

    def according_to(self, para, s, e, end, cue) -> Statement | None:
        """`According to X, CLAUSE.` and `CLAUSE, according to X(, who …).`"""
        masked = self.masked
        before = masked[s : cue.start()].rstrip()
        if before and not before.endswith(","):
            return None  # neither form, whoever X is
        mention = np_after(self.text, cue.end(), e, self.lex)
        if mention is None:
            stop = re.search(r"[,;.]|$", masked[cue.end() : e])
            mention = loose_mention(
                self.text, masked, cue.end(), cue.end() + stop.start(), self.lex, 10
            )
        if mention is None:
            return None
        if not masked[s : cue.start()].strip():
            comma = masked.find(",", mention.end, e)
            if comma < 0:
                return None
            return self._indirect(para, comma + 1, end, mention, cue)
        before = masked[s : cue.start()].rstrip()
        tail = masked[mention.end : end]
        if before.endswith(",") and (_clean_gap(tail) or re.match(r"\s*,\s*(?:who|which)\b", tail)):
            return self._indirect(para, s, s + len(before) - 1, mention, cue)
        return None

    def _subject_position(self, s: int, mention: Mention) -> bool:
        """The mention opens its clause (sentence start, after a comma, `since`, `and`, …)."""
        before = self.masked[s : mention.start].strip()
        if not before:
            return True
        return bool(CLAUSE_OPENER_END_RE.search(before))

    def _indirect(self, para, start, end, mention, cue) -> Statement | None:
        dateline = DATELINE_RE.match(self.text, start, end)
        if dateline:
            start = dateline.end()
        while start < end and self.text[start] in " ,\n":
            start += 1
        while end > start and self.text[end - 1] in " ,\n":
            end -= 1
        if end - start < 10:
            return None
        return Statement(para, "indirect", start, end, mention, None, cue.span())
