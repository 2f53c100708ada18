"""Column helpers: Arrow's encoding gives what pandas' factorize gives, for every kind of column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from corpuskit.columns import (
    _arrow_strings,
    as_column,
    encode,
    encode_together,
    factorize,
    shared,
    shared_lists,
)

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


@pytest.mark.parametrize("dtype", ["string", "str", "object", "category"], ids=str)
def test_encode_gives_factorize_codes_and_the_number_of_distinct_values(dtype):
    column = pd.Series(VALUES, dtype=dtype)
    codes, n_distinct = encode(column)
    assert codes.tolist() == factorize(column)[0].tolist() and n_distinct == 4


@pytest.mark.parametrize("dtype", ["string", "str", "object"], ids=str)
def test_a_column_and_other_values_share_one_encoding(dtype):
    column = pd.Series(["x", None, "y", "x"], dtype=dtype)
    values = np.array(["y", "z", "x"], dtype=object)
    codes, value_codes, n_distinct = encode_together(column, values)
    assert codes.tolist() == [0, -1, 1, 0] and value_codes.tolist() == [1, 2, 0]
    assert n_distinct == 3


def test_shared_values_at_rows_take_none_for_minus_one():
    column = pd.Series(["x", "y", None, "x"], dtype="str")
    values = shared(column, np.array([3, -1, 0, 2, 1]))
    assert values == ["x", None, "x", None, "y"]
    assert values[0] is values[2]  # one object per distinct value


def test_a_list_becomes_the_column_a_dataframe_would_hold():
    for values in (["a", None, "b"], [None, None], [1, 2], [["a"], None]):
        expected = pd.DataFrame({"c": values})
        pd.testing.assert_frame_equal(pd.DataFrame({"c": as_column(values)}), expected)


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
