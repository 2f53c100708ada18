"""Stage 4, speakers: one row per speaker, aliases merged within and across documents.

Named people and organizations are one speaker across documents when their canonical names agree
(a lone surname joins the only full name in the corpus that ends with it); unnamed and group
speakers ("the witness", "protesters") stay scoped to their document. An optional metadata file
renames, merges and enriches speakers; document columns constant per speaker are carried over.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pandas as pd
import yaml

from corpuskit import schema
from corpuskit.errors import UsageError

GLOBAL_KINDS = ("person", "organization")
ALIAS_SPLIT = re.compile(r"\s*[;|]\s*")


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


def _most_common(values) -> str | None:
    vals = [v for v in values if isinstance(v, str) and v]
    return Counter(vals).most_common(1)[0][0] if vals else None


def build(quotes: pd.DataFrame, entities: pd.DataFrame, documents: pd.DataFrame, metadata=None):
    """(quotes with speaker_id and corpus-wide speaker filled, speakers table sorted by id)."""
    quotes = quotes.copy()
    if entities is None or entities.empty or quotes.empty:
        quotes["speaker_id"] = pd.Series([None] * len(quotes), dtype="object")
        return quotes, schema.frame("speakers", [])
    entities = entities.copy()
    for col in ("kind", "role", "organization", "aliases"):
        if col not in entities.columns:
            entities[col] = None
    surnames = _global_names(entities)
    local = {(r.doc_id, r.speaker): r for r in entities.itertuples(index=False)}
    meta_index = _metadata_index(metadata)

    ids, names = [], []
    groups: dict[str, dict] = {}
    for doc_id, name, n_words in zip(
        quotes["doc_id"], quotes["speaker"], quotes.get("n_words", [0] * len(quotes)), strict=True
    ):
        if name is None or pd.isna(name):
            ids.append(None)
            names.append(None)
            continue
        ent = local.get((doc_id, name))
        kind = ent.kind if ent is not None and isinstance(ent.kind, str) else "person"
        sid, canonical = _identity(doc_id, name, kind, surnames)
        aliases = set(ent.aliases) if ent is not None and ent.aliases is not None else set()
        meta = _match_metadata(meta_index, canonical, aliases | {name})
        if meta is not None:
            canonical = meta["name"]
            sid = slug(canonical)
        g = groups.setdefault(
            sid, {"names": Counter(), "aliases": set(), "kinds": [], "roles": [], "orgs": []}
        )
        g["names"][canonical] += 1
        g["aliases"] |= aliases | {name}
        g["kinds"].append(kind)
        g["roles"].append(ent.role if ent is not None else None)
        g["orgs"].append(ent.organization if ent is not None else None)
        g["meta"] = meta
        g.setdefault("docs", []).append(doc_id)
        g["n_quotes"] = g.get("n_quotes", 0) + 1
        g["n_words"] = g.get("n_words", 0) + int(n_words or 0)
        ids.append(sid)
        names.append(canonical)
    quotes["speaker_id"] = ids
    quotes["speaker"] = names

    doc_cols = [
        c for c in documents.columns if c not in schema.TABLES["documents"] and c != "speaker"
    ]
    doc_meta = documents.set_index("doc_id")[doc_cols] if doc_cols else None
    rows = []
    for sid in sorted(groups):
        g = groups[sid]
        canonical = max(g["names"], key=lambda n: (len(n), n))
        row = {
            "speaker_id": sid,
            "speaker": canonical,
            "aliases": sorted(g["aliases"] | {canonical}),
            "kind": _most_common(g["kinds"]),
            "role": _most_common(g["roles"]),
            "organization": _most_common(g["orgs"]),
            "n_quotes": g["n_quotes"],
            "n_words": g["n_words"],
        }
        if doc_meta is not None:
            row.update(_constant_columns(doc_meta, g["docs"]))
        if g.get("meta") is not None:
            meta = g["meta"]
            row["aliases"] = sorted(set(row["aliases"]) | set(meta.get("aliases") or []))
            row.update({k: v for k, v in meta.items() if k not in ("name", "aliases")})
        rows.append(row)
    return quotes, schema.frame("speakers", rows)


def _constant_columns(doc_meta: pd.DataFrame, docs: list[str]) -> dict:
    """Document metadata columns with one value over all of a speaker's documents."""
    sub = doc_meta.loc[sorted(set(docs))]
    out = {}
    for col in sub.columns:
        values = sub[col].dropna().unique()
        if len(values) == 1:
            out[col] = values[0]
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
