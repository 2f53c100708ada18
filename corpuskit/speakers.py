"""Stage 4, speakers: one row per speaker, aliases merged within and across documents.

STUB: the quotes issue replaces it.
"""

from __future__ import annotations

import pandas as pd


def load_metadata(path: str) -> pd.DataFrame:
    """A user's speaker metadata file (CSV or YAML: name, aliases, side, ...)."""
    return pd.read_csv(path)


def build(quotes: pd.DataFrame, entities: pd.DataFrame, documents: pd.DataFrame, metadata=None):
    """(quotes with speaker_id filled, speakers table)."""
    return quotes, pd.DataFrame()
