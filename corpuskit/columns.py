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
    codes, distinct = _codes(values)
    return codes, _objects(distinct) if isinstance(distinct, pa.Array) else distinct


def encode(values: pd.Series) -> tuple[np.ndarray, int]:
    """`factorize`'s codes and the number of distinct values, without making the distinct
    values Python objects (for matching only: ~50 MB for 600,000 speaker ids)."""
    codes, distinct = _codes(values)
    return codes, len(distinct)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray | pa.Array]:
    """int64 codes (-1: missing) and the distinct values: Arrow's dictionary for an Arrow
    string column (still Arrow strings), else pandas' uniques as an object array."""
    arrow = _arrow_strings(values)
    if arrow is None:
        codes, uniques = pd.factorize(values)
        return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)
    return _dictionary_codes(arrow)


def encode_together(column: pd.Series, values) -> tuple[np.ndarray, np.ndarray, int]:
    """`encode` of a column and of other values in one encoding, for matching them by value:
    (the column's codes, the values' codes, the number of distinct values). Text matched
    against a text column takes the column's (Arrow) type, not a Python string per row."""
    values = pd.Series(values, copy=False)
    if isinstance(column.dtype, pd.StringDtype) and pd.api.types.infer_dtype(values) == "string":
        values = values.astype(column.dtype)
    codes, n_distinct = encode(pd.concat([column, values], ignore_index=True))
    return codes[: len(column)], codes[len(column) :], n_distinct


def shared(values: pd.Series, rows: np.ndarray | None = None) -> list:
    """A column (or its values at `rows`, -1 giving None) as a Python list in which equal
    values are one object (missing: None): a million entities name a hundred thousand
    documents and a few kinds, not a million strings."""
    codes, uniques = factorize(values)
    if rows is not None:
        codes = np.where(rows >= 0, codes[np.maximum(rows, 0)], -1)
    return _with_none(codes, uniques)


def as_column(values: list):
    """A list as the array a DataFrame column made of it holds (Arrow strings for text), so
    the list and its Python strings can go: ~100 MB for 600,000 speakers' names and cues."""
    return pd.Series(values, copy=False).array


def shared_lists(column: pa.ChunkedArray) -> list:
    """A list-of-strings column as Python tuples whose equal strings are one object (None where
    missing): pandas would make a numpy array and a string per item, about 250 MB for a million
    entities' aliases, where the tuples take a quarter of it."""
    column = column.combine_chunks()
    values = column.values  # every list's items; `offsets` index into them, slicing included
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return column.to_pandas().tolist()
    codes, dictionary = _dictionary_codes(values)
    items = _with_none(codes, _objects(dictionary))
    offsets = column.offsets.to_numpy().tolist()
    missing = column.is_null().to_numpy(zero_copy_only=False).tolist()
    bounds = zip(offsets[:-1], offsets[1:], missing, strict=True)
    return [None if gone else tuple(items[start:end]) for start, end, gone in bounds]


def _objects(dictionary: pa.Array) -> np.ndarray:
    """Arrow strings as an object array of Python strings, as `pd.factorize` gives uniques."""
    return np.array(dictionary.to_pylist(), dtype=object)


def _dictionary_codes(arrow: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Arrow's dictionary encoding of strings: int64 codes (-1: missing) and the dictionary."""
    encoded = pc.dictionary_encode(arrow)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = encoded.indices.fill_null(-1).to_numpy().astype(np.int64, copy=False)
    dictionary = encoded.dictionary
    del encoded
    pa.default_memory_pool().release_unused()  # the encoder's hash table, for numpy to reuse
    return codes, dictionary


def _with_none(codes: np.ndarray, uniques: np.ndarray) -> list:
    """Each code's value as a list sharing the objects of `uniques`; code -1 gives None."""
    values = np.empty(len(uniques) + 1, dtype=object)  # the last stays None
    values[: len(uniques)] = uniques
    return values[codes].tolist()


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
