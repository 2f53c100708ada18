"""Column helpers that keep Arrow-backed string columns in Arrow.

pandas factorises an Arrow-backed string column through one Python string per row: at two
million quotes that is ~150 MB for a moment, and three times slower than Arrow's own encoding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) as `pd.factorize` gives them: int64 codes, -1 for missing values, and
    the distinct values in order of first appearance (an object array)."""
    arrow = _arrow_strings(values)
    if arrow is None:
        codes, uniques = pd.factorize(values)
        return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)
    encoded = pc.dictionary_encode(arrow).combine_chunks()
    codes = encoded.indices.fill_null(-1).to_numpy().astype(np.int64, copy=False)
    uniques = np.array(encoded.dictionary.to_pylist(), dtype=object)
    del encoded
    pa.default_memory_pool().release_unused()  # the encoder's hash table, for numpy to reuse
    return codes, uniques


def _arrow_strings(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array behind a pandas string column, or None for any other column."""
    to_arrow = getattr(values.array, "__arrow_array__", None)
    if (
        not isinstance(values.dtype, pd.StringDtype)
        or getattr(values.dtype, "storage", None) != "pyarrow"
        or to_arrow is None
    ):
        return None
    arrow = to_arrow()  # the column's own buffers, no copy
    if isinstance(arrow, pa.Array):
        arrow = pa.chunked_array([arrow])
    return arrow if pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type) else None
