"""The level matrix (chunks, threads) and the per-frame column cache."""
import numpy as np
import pandas as pd

from linkage.engine.comparisons import date_difference, exact_match, string_similarity
from linkage.engine.levels import (ColumnArray, RecordFields, code_columns, column_cache, comparison_levels,
                                   text_values)
from linkage.engine.settings import Comparison

FRAME = pd.DataFrame({
    "name": ["martha", "marhta", None, "  ", "dixon", "dicksonx", "martha"],
    "age": [30, 31, np.nan, 40, 45, 30, 30],
    "born": ["2000-01-01", "2000-01-03", None, "bad", "2000-03-01", "1990-01-01", "2000-01-01"],
})
LEFT = np.array([0, 0, 0, 4, 0])
RIGHT = np.array([1, 2, 3, 5, 6])


def test_comparison_levels_chunks_give_the_same_matrix():
    comparisons = [Comparison("name", ("else", "close", "exact"), string_similarity("name", (0.9,))),
                   Comparison("age", ("else", "exact"), exact_match("age"))]
    whole = comparison_levels(FRAME, LEFT, RIGHT, comparisons)
    chunked = comparison_levels(FRAME, LEFT, RIGHT, comparisons, chunk=2)
    assert whole.shape == (5, 2) and whole.dtype == np.int8
    assert np.array_equal(whole, chunked)


def test_comparison_levels_on_threads_give_the_same_matrix_from_int32_positions():
    comparisons = [Comparison("name", ("else", "close", "exact"), string_similarity("name", (0.9,))),
                   Comparison("born", ("else", "near", "same"), date_difference("born", (5,)))]
    whole = comparison_levels(FRAME, LEFT, RIGHT, comparisons, workers=1)
    threaded = comparison_levels(FRAME, LEFT.astype(np.int32), RIGHT.astype(np.int32), comparisons,
                                 chunk=1, workers=2)
    assert np.array_equal(whole, threaded)
    assert whole[:, 1].tolist() == [1, -1, -1, 0, 2]


def test_comparison_levels_threads_share_one_prepared_column():
    prepared = []

    def name_present(df, left, right):
        values = text_values(df, "name")
        prepared.append(id(values))
        return (pd.notna(values[left]) & pd.notna(values[right])).astype(np.int8)

    levels = comparison_levels(FRAME, LEFT, RIGHT, [Comparison("name", ("no", "yes"), name_present)],
                               chunk=1, workers=2)
    assert levels[:, 0].tolist() == [1, 0, 0, 1, 1]
    assert len(prepared) == 5 and len(set(prepared)) == 1


def test_column_cache_prepares_a_column_once_inside_and_never_outside():
    df = pd.DataFrame({"a": ["x", " ", None]})
    with column_cache():
        assert text_values(df, "a") is text_values(df, "a")
        assert text_values(df, "a").tolist() == ["x", None, None]
    assert text_values(df, "a") is not text_values(df, "a")


def test_record_fields_built_once_for_every_record_inside_a_cache_and_for_the_rows_outside():
    df = pd.DataFrame({"a": [5, -1, 7, 9], "b": [0, 1, 2, 3]})
    built = []

    def build(frame, rows):
        built.append(rows)
        return code_columns("a", "b")(frame, rows)

    fields = RecordFields("ab", build)
    rows = np.array([2, 0, 2])
    outside = fields.take(df, rows)
    assert outside.dtype == np.int32 and outside.tolist() == [[7, 2], [5, 0], [7, 2]]
    assert built[0] is rows
    with column_cache():
        inside = [fields.take(df, rows), fields.take(df, np.array([3]))]
    assert len(built) == 2 and built[1] == slice(None)
    assert np.array_equal(inside[0], outside) and inside[1].tolist() == [[9, 3]]


def test_declarations_are_their_own_cache_keys_whatever_their_names():
    df = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    first, second = RecordFields("same", code_columns("a")), RecordFields("same", code_columns("b"))
    doubled = ColumnArray("same", lambda series: series.to_numpy() * 2)
    with column_cache():
        assert first.take(df, np.array([0, 1])).tolist() == [[1], [2]]
        assert second.take(df, np.array([0, 1])).tolist() == [[3], [4]]
        assert doubled.of(df, "a").tolist() == [2, 4] and doubled.of(df, "b").tolist() == [6, 8]
        assert doubled.of(df, "a") is doubled.of(df, "a")
