"""Column helpers: Arrow's encoding gives what pandas' factorize gives, for every kind of column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from corpuskit.columns import _arrow_strings, factorize, shared_lists

VALUES = ["b", "a", None, "b", "", "a", "é"]


@pytest.mark.parametrize(
    "dtype", ["string", "str", "string[python]", "object", "category"], ids=str
)
def test_factorize_matches_pandas(dtype):
    column = pd.Series(VALUES, dtype=dtype)
    codes, uniques = factorize(column)
    expected_codes, expected_uniques = pd.factorize(column)
    assert codes.dtype == np.int64
    assert codes.tolist() == expected_codes.tolist() == [0, 1, -1, 0, 2, 1, 3]
    assert uniques.dtype == object
    assert uniques.tolist() == list(expected_uniques) == ["b", "a", "", "é"]


def test_arrow_backed_strings_are_encoded_by_arrow_without_a_copy():
    column = pd.Series(VALUES, dtype="string[pyarrow]")
    arrow = _arrow_strings(column)
    assert arrow is not None and arrow.null_count == 1
    assert _arrow_strings(pd.Series(VALUES, dtype="object")) is None
    assert _arrow_strings(pd.Series([1, 2])) is None


def test_empty_and_all_missing_columns():
    codes, uniques = factorize(pd.Series([], dtype="string"))
    assert codes.tolist() == [] and uniques.tolist() == []
    codes, uniques = factorize(pd.Series([None, None], dtype="string"))
    assert codes.tolist() == [-1, -1] and uniques.tolist() == []


def test_entity_aliases_come_back_as_tuples_of_shared_strings():

    column = pa.chunked_array(
        [pa.array([["Frey", "Jacob Frey"], None, []]), pa.array([["Frey", None]]).slice(0)]
    )
    aliases = shared_lists(column)
    assert aliases == [("Frey", "Jacob Frey"), None, (), ("Frey", None)]
    assert aliases[0][0] is aliases[3][0]  # one object per distinct alias
    sliced = pa.chunked_array([pa.array([["a"], ["b", "c"], ["d"]]).slice(1)])
    assert shared_lists(sliced) == [("b", "c"), ("d",)]
