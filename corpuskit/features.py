"""Stage 5, features: per-speaker sentiment and frame rates with bootstrap intervals.

STUB: the framing issue replaces it.
"""

from __future__ import annotations

import pandas as pd


def speaker_features(quotes, speakers, evidence, dictionary, seed=0, n_boot=1000) -> pd.DataFrame:
    return pd.DataFrame()
