"""Stage 4, speakers: one row per speaker, aliases merged within and across documents.

Named people and organizations are one speaker across documents when their canonical names agree
(a lone surname joins the only full name in the corpus that ends with it); unnamed and group
speakers ("the witness", "protesters") stay scoped to their document. An optional metadata file
renames, merges and enriches speakers; document columns constant per speaker are carried over.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import yaml

from corpuskit import schema
from corpuskit.errors import UsageError

GLOBAL_KINDS = ("person", "organization")
ALIAS_SPLIT = re.compile(r"\s*[;|]\s*")


@lru_cache(maxsize=65536)
def slug(name: str) -> str:
    """A readable, stable id part: `Jacob Frey` -> `jacob-frey`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "speaker"


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("’", "'").strip().lower())


def load_metadata(path: str) -> pd.DataFrame:
    """A user's speaker metadata file (CSV or YAML): `name`, optional `aliases`, any columns.

    CSV aliases are separated by `;` or `|`; YAML is a list of mappings or a mapping of
    name -> fields. Returns one row per speaker with `aliases` as a list of strings.
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"speaker metadata not found: {path}")
    try:
        if p.suffix.lower() == ".csv":
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
            rows = df.to_dict("records")
        elif p.suffix.lower() in (".yaml", ".yml"):
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                raw = [{"name": k, **(v or {})} for k, v in raw.items()]
            if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
                raise UsageError(f"{path}: expected a list of speakers or a mapping name -> fields")
            rows = raw
        else:
            raise UsageError(f"{path}: speaker metadata must be .csv, .yaml or .yml")
    except (pd.errors.ParserError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read speaker metadata ({type(exc).__name__})") from None
    out = []
    for i, row in enumerate(rows):
        row = {str(k).strip(): v for k, v in row.items()}
        name = row.pop("name", None) or row.pop("speaker", None)
        if not name or not str(name).strip():
            raise UsageError(f"{path}: row {i + 1} has no `name`")
        aliases = row.pop("aliases", None) or []
        if isinstance(aliases, str):
            aliases = [a for a in ALIAS_SPLIT.split(aliases) if a]
        out.append({"name": str(name).strip(), "aliases": [str(a) for a in aliases], **row})
    if not out:
        raise UsageError(f"{path}: no speakers in the metadata file")
    return pd.DataFrame(out)


def _global_names(entities: pd.DataFrame) -> dict[str, str]:
    """Lone surnames -> the only full person name in the corpus ending with them."""
    persons = entities[entities["kind"] == "person"]["speaker"].dropna().unique()
    full: dict[str, set[str]] = {}
    for name in persons:
        parts = name.split()
        if len(parts) > 1:
            full.setdefault(parts[-1].lower(), set()).add(name)
    mapping = {}
    for name in persons:
        if len(name.split()) == 1 and len(full.get(name.lower(), ())) == 1:
            mapping[name] = next(iter(full[name.lower()]))
    return mapping


def _identity(doc_id: str, name: str, kind: str, surnames: dict[str, str]) -> tuple[str, str]:
    """(speaker_id, canonical name) of a document-local speaker."""
    if kind in GLOBAL_KINDS:
        name = surnames.get(name, name) if kind == "person" else name
        return slug(name), name
    return f"{doc_id}/{slug(name)}", name


def build(quotes: pd.DataFrame, entities: pd.DataFrame, documents: pd.DataFrame, metadata=None):
    """(quotes with speaker_id and corpus-wide speaker filled, speakers table sorted by id).

    The speaker of a quote depends only on its (document, local name) pair, so each pair is
    resolved once and its quotes are counted, not visited one by one.
    """
    with _collector_paused():  # small acyclic containers per pair and per speaker, by the 100k
        return _build(quotes, entities, documents, metadata)


def _build(quotes, entities, documents, metadata):
    """`build`, run with the garbage collector paused."""
    quotes = quotes.copy(deep=False)  # only whole columns are replaced below
    if entities is None or entities.empty or quotes.empty:
        quotes["speaker_id"] = pd.Series([None] * len(quotes), dtype="object")
        return quotes, schema.frame("speakers", [])
    entities = entities.copy(deep=False)
    for col in ("kind", "role", "organization", "aliases"):
        if col not in entities.columns:
            entities[col] = None
    surnames = _global_names(entities)
    local = {
        (doc_id, name): (kind, role, org, aliases)
        for doc_id, name, kind, role, org, aliases in zip(
            *(_values(entities[c]) for c in ("doc_id", "speaker", "kind", "role", "organization")),
            entities["aliases"],
            strict=True,
        )
    }
    pairs, codes = _pairs(quotes)
    meta_index = _metadata_index(metadata)
    resolved = [
        _resolve_pair(doc_id, name, local, surnames, meta_index)
        for doc_id, name in zip(pairs.doc_ids, pairs.names, strict=True)
    ]
    # index -1 (no speaker) takes the None appended last
    ids = np.array([r[0] for r in resolved] + [None], dtype=object)
    names = np.array([r[1] for r in resolved] + [None], dtype=object)
    quotes["speaker_id"] = ids[codes]
    quotes["speaker"] = names[codes]
    groups = _groups(resolved, pairs)
    del resolved

    doc_cols = [
        c for c in documents.columns if c not in schema.TABLES["documents"] and c != "speaker"
    ]
    carried = _constant_columns(documents, doc_cols, groups) if doc_cols else {}
    rows = []
    for sid in sorted(groups):
        g = groups[sid]
        canonical = max(g.names, key=lambda n: (len(n), n))
        g.aliases.add(canonical)
        row = {
            "speaker_id": sid,
            "speaker": canonical,
            "aliases": sorted(g.aliases),
            "kind": _most_common(g.kinds),
            "role": _most_common(g.roles),
            "organization": _most_common(g.orgs),
            "n_quotes": g.n_quotes,
            "n_words": g.n_words,
        }
        if carried:
            row.update(carried.get(sid, {}))
        if g.meta is not None:
            meta = g.meta
            row["aliases"] = sorted(set(row["aliases"]) | set(meta.get("aliases") or []))
            row.update({k: v for k, v in meta.items() if k not in ("name", "aliases")})
        rows.append(row)
    return quotes, schema.frame("speakers", rows)


class Pairs(NamedTuple):
    """The distinct (doc_id, speaker) pairs of attributed quotes, as columns in order of first
    quote: document, local name, number of quotes and words, position of the last quote."""

    doc_ids: list
    names: list
    n_quotes: list[int]
    n_words: list[int]
    last: list[int]


def _pairs(quotes: pd.DataFrame) -> tuple[Pairs, np.ndarray]:
    """The (doc_id, speaker) pairs of attributed quotes and each quote's pair index (-1: none)."""
    n_words = quotes["n_words"] if "n_words" in quotes.columns else 0
    frame = pd.DataFrame(
        {
            "doc_id": quotes["doc_id"],
            "speaker": quotes["speaker"],
            "n_words": n_words,
            "pos": np.arange(len(quotes)),
        }
    )
    grouped = frame.groupby(["doc_id", "speaker"], sort=False, dropna=True)
    codes = grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64)
    agg = grouped.agg(
        n_quotes=("pos", "size"), n_words=("n_words", "sum"), last=("pos", "max")
    ).reset_index()
    pairs = Pairs(
        _values(agg["doc_id"]),
        _values(agg["speaker"]),
        [int(n) for n in _values(agg["n_quotes"])],
        [int(n) for n in _values(agg["n_words"])],
        [int(n) for n in _values(agg["last"])],
    )
    return pairs, codes


def _resolve_pair(doc_id, name, local: dict, surnames: dict, meta_index: dict) -> tuple:
    """(speaker id, canonical name, kind, role, organization, entity aliases or None, metadata
    row or None) of one (doc_id, name); a tuple, as there is one per pair."""
    ent = local.get((doc_id, name))
    kind = ent[0] if ent is not None and isinstance(ent[0], str) else "person"
    sid, canonical = _identity(doc_id, name, kind, surnames)
    aliases = ent[3] if ent is not None else None
    meta = None
    if meta_index:
        known = set(aliases) if aliases is not None else set()
        meta = _match_metadata(meta_index, canonical, known | {name})
        if meta is not None:
            canonical = meta["name"]
            sid = slug(canonical)
    role = ent[1] if ent is not None else None
    organization = ent[2] if ent is not None else None
    return sid, canonical, kind, role, organization, aliases, meta


class _Speaker:
    """What a speaker's pairs say: names, aliases, kinds/roles/organizations weighted by quotes
    (in order of first quote), documents, counts, and the metadata of its last quote."""

    __slots__ = ("names", "aliases", "kinds", "roles", "orgs", "docs", "n_quotes", "n_words")
    __slots__ += ("last", "meta")

    def __init__(self):
        self.names: set[str] = set()
        self.aliases: set[str] = set()
        self.kinds: dict[str, int] = {}
        self.roles: dict[str, int] = {}
        self.orgs: dict[str, int] = {}
        self.docs: set = set()
        self.n_quotes = self.n_words = 0
        self.last, self.meta = -1, None


def _groups(resolved: list[tuple], pairs: Pairs) -> dict[str, _Speaker]:
    """Speaker id -> what its pairs say (see `_Speaker`)."""
    groups: dict[str, _Speaker] = {}
    for (sid, canonical, kind, role, org, aliases, meta), doc_id, name, n, words, last in zip(
        resolved, *pairs, strict=True
    ):
        g = groups.get(sid)
        if g is None:
            g = groups[sid] = _Speaker()
        g.names.add(canonical)
        if aliases is not None:
            g.aliases.update(aliases)
        g.aliases.add(name)
        # written out for the three fields: this loop runs once per (document, speaker) pair
        if isinstance(kind, str) and kind:
            g.kinds[kind] = g.kinds.get(kind, 0) + n
        if isinstance(role, str) and role:
            g.roles[role] = g.roles.get(role, 0) + n
        if isinstance(org, str) and org:
            g.orgs[org] = g.orgs.get(org, 0) + n
        g.docs.add(doc_id)
        g.n_quotes += n
        g.n_words += words
        if last > g.last:
            g.last, g.meta = last, meta
    return groups


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while building many small acyclic containers:
    each allocation burst would otherwise trigger full collections over the whole heap."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _most_common(counts: dict[str, int]) -> str | None:
    """The most frequent value; the first met on a tie."""
    return max(counts, key=counts.get) if counts else None


def _values(column: pd.Series) -> list:
    """A column as a Python list (iterating Arrow-backed columns value by value is slow)."""
    return column.tolist()


def _constant_columns(documents: pd.DataFrame, columns: list[str], groups: dict) -> dict:
    """Speaker id -> document metadata columns with one value over all of its documents."""
    doc_meta = documents.set_index("doc_id")[columns]
    out: dict[str, dict] = {}
    for sid, g in groups.items():
        sub = doc_meta.loc[sorted(g.docs)]
        values = {}
        for col in sub.columns:
            found = sub[col].dropna().unique()
            if len(found) == 1:
                values[col] = found[0]
        out[sid] = values
    return out


def _metadata_index(metadata: pd.DataFrame | None) -> dict[str, dict]:
    if metadata is None or len(metadata) == 0:
        return {}
    index = {}
    for row in metadata.to_dict("records"):
        for name in [row["name"], *(row.get("aliases") or [])]:
            index.setdefault(_key(str(name)), row)
    return index


def _match_metadata(index: dict[str, dict], canonical: str, aliases: set[str]) -> dict | None:
    if not index:
        return None
    for name in [canonical, *sorted(aliases)]:
        if _key(name) in index:
            return index[_key(name)]
    return None
