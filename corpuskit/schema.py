"""The tables of the design contract: their names, required columns and dtypes, in one place.

Every stage produces plain rows; `frame()` turns them into a DataFrame with the contract's
columns in the contract's order, so tables look the same whichever path built them.
"""

from __future__ import annotations

import pandas as pd

# column -> pandas dtype ("string" for text, "Int64" for nullable integers)
TABLES: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "string",
        "source": "string",
        "date": "string",
        "title": "string",
        "text": "string",
        "n_words": "int64",
        "sha256": "string",
    },
    "paragraphs": {
        "doc_id": "string",
        "paragraph": "int64",
        "text": "string",
        "start": "int64",
        "end": "int64",
        "is_heading": "bool",
    },
    "sentences": {
        "doc_id": "string",
        "paragraph": "int64",
        "sentence": "int64",
        "text": "string",
        "start": "int64",
        "end": "int64",
        "sentiment": "float64",
    },
    "quotes": {
        "doc_id": "string",
        "quote_id": "string",
        "paragraph": "int64",
        "kind": "string",
        "speaker_id": "string",
        "speaker": "string",
        "speaker_start": "Int64",
        "speaker_end": "Int64",
        "cue": "string",
        "cue_start": "Int64",
        "cue_end": "Int64",
        "text": "string",
        "start": "int64",
        "end": "int64",
        "n_words": "int64",
        "sentiment": "float64",
    },
    "speakers": {
        "speaker_id": "string",
        "speaker": "string",
        "aliases": "object",  # list of strings
        "kind": "string",
        "role": "string",
        "organization": "string",
        "n_quotes": "int64",
        "n_words": "int64",
    },
    "speaker_features": {
        "speaker_id": "string",
        "speaker": "string",
        "n_quotes": "int64",
        "n_words": "int64",
        "voice_share": "float64",
        "sentiment": "float64",
        "sentiment_low": "float64",
        "sentiment_high": "float64",
    },
    "frame_evidence": {
        "doc_id": "string",
        "quote_id": "string",
        "speaker_id": "string",
        "speaker": "string",
        "frame": "string",
        "term": "string",
        "match": "string",
        "start": "int64",
        "end": "int64",
        "rejected": "bool",
        "cue": "string",  # why a match was rejected ("distancing: spin"); null when endorsed
    },
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)

# Metadata columns that readers add, with their types: integers stay integers even where
# documents of other files lack them (pandas would otherwise make them float with NaN).
META_DTYPES: dict[str, str] = {"row": "Int64", "item": "Int64"}

QUOTE_KINDS = ("direct", "indirect", "mixed", "scare", "transcript")
SPEAKER_KINDS = ("person", "group", "organization", "unnamed")


def frame(name: str, rows: list[dict] | pd.DataFrame | None) -> pd.DataFrame:
    """Build table `name` from rows: contract columns first, in order and dtype, extra columns after."""
    spec = TABLES[name]
    df = pd.DataFrame(rows if rows is not None else [])
    for col in spec:
        if col not in df.columns:
            df[col] = pd.Series([None] * len(df), dtype="object")
    extra = [c for c in df.columns if c not in spec]
    df = df[list(spec) + extra]
    for col, dtype in spec.items():
        if dtype == "object":
            continue
        df[col] = df[col].astype(dtype)
    for col in extra:
        if col in META_DTYPES:
            df[col] = df[col].astype(META_DTYPES[col])
    return df.reset_index(drop=True)


def check(name: str, df: pd.DataFrame) -> None:
    """Raise ValueError when `df` lacks a contract column of table `name`."""
    missing = [c for c in TABLES[name] if c not in df.columns]
    if missing:
        raise ValueError(f"table {name} lacks columns: {', '.join(missing)}")
