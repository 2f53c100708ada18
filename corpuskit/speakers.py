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
from corpuskit.columns import as_column, encode_together, factorize, shared
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
    persons = entities.loc[entities["kind"] == "person", "speaker"].dropna().unique()
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


class EntityIndex:
    """What resolving speakers reads of the entities: their document, local name, kind, role,
    organization and aliases as columns, and lone surnames -> full names. Holding this instead
    of the entity table lets a caller free the table (and any other column) before resolution;
    `build` takes the parts out, so each goes as soon as it is used."""

    def __init__(self, columns: pd.DataFrame, surnames: dict):
        self.parts = [columns, surnames]

    def take(self) -> list:
        """(columns, surnames), then none."""
        parts, self.parts = self.parts, []
        return parts


ENTITY_COLUMNS = ("doc_id", "speaker", "kind", "role", "organization", "aliases")


def index_entities(entities: pd.DataFrame | None) -> EntityIndex | None:
    """The entity table indexed for `build` (None: no entities)."""
    if entities is None or entities.empty:
        return None
    entities = entities.copy(deep=False)
    for col in ENTITY_COLUMNS:
        if col not in entities.columns:
            entities[col] = None
    return EntityIndex(entities[list(ENTITY_COLUMNS)], _global_names(entities))


def build(quotes: pd.DataFrame, entities, documents: pd.DataFrame, metadata=None):
    """(quotes with speaker_id and corpus-wide speaker filled, speakers table sorted by id).

    `entities` is the entity table or its `index_entities`. The speaker of a quote depends only
    on its (document, local name) pair, so each pair is resolved once and its quotes are
    counted, not visited one by one.
    """
    with _collector_paused():  # small acyclic containers per pair and per speaker, by the 100k
        if not isinstance(entities, EntityIndex):
            entities = index_entities(entities)
        return _build(quotes, entities, documents, metadata)


def _build(quotes, index: EntityIndex | None, documents, metadata):
    """`build`, run with the garbage collector paused."""
    quotes = quotes.copy(deep=False)  # only whole columns are replaced below
    if index is None or quotes.empty:
        quotes["speaker_id"] = pd.Series([None] * len(quotes), dtype="object")
        return quotes, schema.frame("speakers", [])
    entities, surnames = index.take()
    pairs, codes = _pairs(quotes)
    meta_index = _metadata_index(metadata)
    entity = _entity_of_pairs(pairs, entities)
    del entities
    resolved = _resolve_pairs(pairs, entity, surnames, meta_index)
    del entity
    speaker_of_pair, speaker_ids = pd.factorize(np.array(resolved.ids, dtype=object))
    quotes["speaker_id"] = _per_quote(speaker_of_pair, speaker_ids, codes)
    quotes["speaker"] = _per_quote(*pd.factorize(np.array(resolved.names, dtype=object)), codes)
    del codes

    doc_cols = [
        c for c in documents.columns if c not in schema.TABLES["documents"] and c != "speaker"
    ]
    doc_meta = documents.set_index("doc_id")[doc_cols] if doc_cols else None
    rows = _speaker_columns(resolved, pairs, doc_meta, speaker_of_pair, speaker_ids)
    del resolved, pairs  # what the rows were made of, before the rows become a table
    return quotes, schema.frame("speakers", _speakers_frame(*rows) if rows else [])


def _per_quote(value_of_pair: np.ndarray, values: np.ndarray, pair_of_quote: np.ndarray):
    """Each quote's value of its pair (pair -1: none) as a categorical: a code per quote rather
    than a string, two million of which would take ~150 MB."""
    codes = np.append(value_of_pair, -1)[pair_of_quote]  # pair -1 takes the -1 appended last
    # object categories: pandas would otherwise copy every distinct value into an Arrow array
    return pd.Categorical.from_codes(codes, categories=pd.Index(values, dtype=object))


class Pairs(NamedTuple):
    """The distinct (doc_id, speaker) pairs of attributed quotes, as columns in order of first
    quote: document, local name, number of quotes and words, position of the last quote."""

    doc_ids: list
    names: list
    n_quotes: np.ndarray
    n_words: np.ndarray
    last: np.ndarray


def _pairs(quotes: pd.DataFrame) -> tuple[Pairs, np.ndarray]:
    """The (doc_id, speaker) pairs of attributed quotes and each quote's pair index (-1: none).

    Grouped on integer codes of the two columns (Arrow's encoding, no Python string per quote):
    pairs come in order of first quote, as a `groupby(sort=False)` would give them.
    """
    doc_codes, doc_values = factorize(quotes["doc_id"])
    name_codes, name_values = factorize(quotes["speaker"])
    valid = (doc_codes >= 0) & (name_codes >= 0)
    key = doc_codes[valid] * max(len(name_values), 1) + name_codes[valid]
    del doc_codes, name_codes
    pair_of_valid, keys = pd.factorize(key)
    del key
    codes = np.full(len(quotes), -1, dtype=np.int64)
    codes[valid] = pair_of_valid
    positions = np.flatnonzero(valid)
    del valid
    if "n_words" in quotes.columns:
        words = np.nan_to_num(quotes["n_words"].to_numpy(dtype=float)[positions])
    else:
        words = np.zeros(len(positions))
    n_pairs = len(keys)
    n_words = np.zeros(n_pairs)
    np.add.at(n_words, pair_of_valid, words)  # whole numbers: exact
    last = np.full(n_pairs, -1, dtype=np.int64)
    np.maximum.at(last, pair_of_valid, positions)
    doc_of_pair, name_of_pair = np.divmod(keys, max(len(name_values), 1))
    pairs = Pairs(
        doc_values[doc_of_pair].tolist(),  # each distinct string one object, shared
        name_values[name_of_pair].tolist(),
        np.bincount(pair_of_valid, minlength=n_pairs).astype(np.int64),
        n_words.astype(np.int64),
        last,
    )
    return pairs, codes


def _entity_of_pairs(pairs: Pairs, entities: pd.DataFrame) -> tuple[list, list, list, list]:
    """Each pair's entity kind, role, organization and aliases as columns (None without an
    entity): the last entity row of its document and local name. Matched on codes of the
    strings (Arrow's encoding for Arrow strings), not through a dict keyed by Python strings,
    which at 100,000 articles is ~200 MB of tuples."""
    doc, pair_doc, _ = encode_together(entities["doc_id"], pairs.doc_ids)
    name, pair_name, n_names = encode_together(entities["speaker"], pairs.names)
    key = np.where((doc >= 0) & (name >= 0), doc * n_names + name, -1)
    pair_of_entity = pd.Index(pair_doc * n_names + pair_name).get_indexer(key)
    del doc, name, key, pair_doc, pair_name
    found = np.flatnonzero(pair_of_entity >= 0)
    row = np.full(len(pairs.doc_ids), -1, dtype=np.int64)
    np.maximum.at(row, pair_of_entity[found], found)  # the last entity row of each pair
    kind, role, org = (shared(entities[col], row) for col in ("kind", "role", "organization"))
    aliases = entities["aliases"].to_numpy(dtype=object)
    return kind, role, org, [aliases[r] if r >= 0 else None for r in row.tolist()]


class Resolved(NamedTuple):
    """`_resolve_pair` of every pair, as columns in pair order."""

    ids: list
    names: list
    kinds: list
    roles: list
    orgs: list
    aliases: list
    metas: list


def _resolve_pairs(pairs: Pairs, entity: tuple, surnames: dict, meta_index: dict) -> Resolved:
    """`_resolve_pair` of each pair, gathered into columns (cheaper than a tuple per pair);
    `entity` holds each pair's entity kind, role, organization and aliases as columns, of
    which the last three are the result's own."""
    kinds_found, roles, orgs, aliases = entity
    resolved = Resolved([], [], [], roles, orgs, aliases, [])
    ids, names, kinds, metas = resolved.ids, resolved.names, resolved.kinds, resolved.metas
    for doc_id, name, kind, known in zip(
        pairs.doc_ids, pairs.names, kinds_found, aliases, strict=True
    ):
        sid, canonical, kind, meta = _resolve_pair(doc_id, name, kind, known, surnames, meta_index)
        ids.append(sid)
        names.append(canonical)
        kinds.append(kind)
        metas.append(meta)
    return resolved


def _resolve_pair(doc_id, name, kind, aliases, surnames: dict, meta_index: dict) -> tuple:
    """(speaker id, canonical name, kind, metadata row or None) of one (doc_id, name) and its
    entity's kind and aliases (None: no entity)."""
    kind = kind if isinstance(kind, str) else "person"
    sid, canonical = _identity(doc_id, name, kind, surnames)
    meta = None
    if meta_index:
        known = set(aliases) if aliases is not None else set()
        meta = _match_metadata(meta_index, canonical, known | {name})
        if meta is not None:
            canonical = meta["name"]
            sid = slug(canonical)
    return sid, canonical, kind, meta


SPEAKER_COLUMNS = tuple(schema.TABLES["speakers"])
_NO_EXTRAS: dict = {}  # shared by every row without extra columns; never modified


def _speaker_columns(
    resolved: Resolved, pairs: Pairs, doc_meta: pd.DataFrame | None, codes, uniques
) -> tuple[dict[str, list], list[dict]] | None:
    """The speakers table's data, one row per speaker id in sorted order, as (contract
    columns, each row's extra columns), None when no quote has a speaker.

    Each speaker's pairs are aggregated in order of first quote: canonical name (the longest),
    aliases, most common kind/role/organization weighted by quotes (first met on a tie),
    counts, the metadata of its last quote and the document columns constant over its
    documents (`doc_meta`). Rows go straight into per-column lists, so nothing per speaker
    outlives its row: by the 100k articles, per-speaker objects and row dicts cost gigabytes.
    `codes` and `uniques` are the pairs' speaker ids factorised.
    """
    if not resolved.ids:
        return None
    sorted_codes = sorted(range(len(uniques)), key=uniques.__getitem__)
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[sorted_codes] = np.arange(len(uniques))
    speaker_of_pair = rank[codes]
    del codes, rank
    # stable: each speaker's pairs stay in pair (first quote) order
    order = np.argsort(speaker_of_pair, kind="stable")
    sizes = np.bincount(speaker_of_pair, minlength=len(uniques)).tolist()
    constants = (
        _constant_values(doc_meta, speaker_of_pair, pairs.doc_ids, len(uniques))
        if doc_meta is not None
        else None
    )
    del speaker_of_pair
    # per speaker: quotes, words and the pair of its last quote (whose metadata it takes)
    starts = np.cumsum([0, *sizes[:-1]])
    n_quotes = np.add.reduceat(pairs.n_quotes[order], starts).tolist()
    n_words = np.add.reduceat(pairs.n_words[order], starts).tolist()
    pair_quotes = pairs.n_quotes.tolist()  # small numbers: Python shares their objects
    last_pair = None
    if any(meta is not None for meta in resolved.metas):
        last = pairs.last[order]
        latest = np.maximum.reduceat(last, starts)
        last_pair = order[np.flatnonzero(last == np.repeat(latest, sizes))].tolist()
    del starts

    columns: dict[str, list] = {c: [] for c in SPEAKER_COLUMNS}
    extras: list[dict] = []
    start = 0
    for rank, (code, size) in enumerate(zip(sorted_codes, sizes, strict=True)):
        indices = order[start : start + size].tolist()  # a list per speaker, not per pair
        start += size
        row = _speaker_row(uniques[code], indices, resolved, pairs.names, pair_quotes)
        row["n_quotes"], row["n_words"] = n_quotes[rank], n_words[rank]
        if constants is not None and constants[rank]:
            row.update(constants[rank])
        if last_pair is not None:
            _apply_metadata(row, resolved.metas[last_pair[rank]])
        for col in SPEAKER_COLUMNS:
            columns[col].append(row.pop(col))
        extras.append(row or _NO_EXTRAS)
    return columns, extras


def _speakers_frame(columns: dict[str, list], extras: list[dict]) -> pd.DataFrame:
    """The speakers table from `_speaker_columns`' lists, each list let go once it is a column."""
    table = pd.DataFrame({name: as_column(columns.pop(name)) for name in SPEAKER_COLUMNS})
    if any(row is not _NO_EXTRAS for row in extras):
        extra_table = pd.DataFrame(extras)
        for col in extra_table.columns:
            table[col] = extra_table[col]
    return table


def _speaker_row(sid, indices: list, resolved: Resolved, local_names: list, n_quotes: list) -> dict:
    """The speakers-table row of speaker `sid` from its pair indices, in pair order, but for
    its counts, carried document columns and metadata, which `_speaker_columns` adds."""
    names, aliases = set(), set()
    kinds: dict[str, int] = {}
    roles: dict[str, int] = {}
    orgs: dict[str, int] = {}
    for i in indices:
        n = n_quotes[i]
        names.add(resolved.names[i])
        if resolved.aliases[i] is not None:
            aliases.update(resolved.aliases[i])
        aliases.add(local_names[i])
        kind, role, org = resolved.kinds[i], resolved.roles[i], resolved.orgs[i]
        if isinstance(kind, str) and kind:
            kinds[kind] = kinds.get(kind, 0) + n
        if isinstance(role, str) and role:
            roles[role] = roles.get(role, 0) + n
        if isinstance(org, str) and org:
            orgs[org] = orgs.get(org, 0) + n
    canonical = max(names, key=lambda n: (len(n), n))
    aliases.add(canonical)
    return {
        "speaker_id": sid,
        "speaker": canonical,
        "aliases": sorted(aliases),
        "kind": _most_common(kinds),
        "role": _most_common(roles),
        "organization": _most_common(orgs),
    }


def _apply_metadata(row: dict, meta: dict | None) -> None:
    """The user's metadata row for the speaker (that of its last quote) into its table row."""
    if meta is not None:
        row["aliases"] = sorted(set(row["aliases"]) | set(meta.get("aliases") or []))
        row.update({k: v for k, v in meta.items() if k not in ("name", "aliases")})


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


def _constant_values(
    doc_meta: pd.DataFrame, speaker_of_pair: np.ndarray, doc_ids: list, n_speakers: int
) -> list[dict | None]:
    """Per speaker (by rank), the document metadata columns with one value over all of the
    speaker's documents, missing values aside, in column order (None: no such column).

    All speakers at once, a groupby per column: one lookup per speaker costs ~0.5 ms, minutes
    at a corpus of 100,000 articles with metadata columns.
    """
    links = pd.DataFrame({"speaker": speaker_of_pair, "doc_id": doc_ids}).drop_duplicates()
    speakers = links["speaker"].to_numpy()
    meta = doc_meta.loc[links["doc_id"]].reset_index(drop=True)
    carried: list[dict | None] = [None] * n_speakers
    for col in meta.columns:
        grouped = meta[col].groupby(speakers, sort=False)
        one = grouped.nunique() == 1
        firsts = grouped.first()[one]
        for speaker, value in zip(firsts.index.tolist(), firsts.to_numpy(), strict=True):
            if carried[speaker] is None:
                carried[speaker] = {}
            carried[speaker][col] = value
    return carried


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
