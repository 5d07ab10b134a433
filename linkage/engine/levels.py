"""Generic comparison building blocks (ComparisonFn factories) and the level matrix.

Level convention: -1 a side is missing (no weight), 0 the "else" level, higher = stronger.
Every factory returns a function ``(df, left, right) -> int8 levels``; thresholds of string
similarities are applied on float64 values (rapidfuzz's float32 default rounds 0.79999 to 0.8).
"""
from __future__ import annotations

import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from linkage.engine.settings import Comparison, ComparisonFn

CHUNK_PAIRS = 1_000_000
FIRST_CHUNK_PAIRS = 4096
"""The first chunk, computed alone, only prepares the shared column arrays: kept small so the
other core does not idle through it."""

_SIMILARITY_SCORERS = {
    "jaro_winkler": JaroWinkler.normalized_similarity,
    "levenshtein": Levenshtein.normalized_similarity,
    "damerau_levenshtein": DamerauLevenshtein.normalized_similarity,
}
_DISTANCE_SCORERS = {
    "levenshtein": Levenshtein.distance,
    "damerau_levenshtein": DamerauLevenshtein.distance,
}


_COLUMN_CACHE: ContextVar[dict | None] = ContextVar("column_cache", default=None)
"""Prepared column arrays, shared by the chunks of one ``comparison_levels`` call, or by all the
calls inside ``column_cache``."""


@contextmanager
def column_cache() -> Iterator[None]:
    """Share the prepared column arrays among the comparisons, term frequencies... run inside
    (threads started with a copy of this context included); a cache already open is kept."""
    if _COLUMN_CACHE.get() is not None:
        yield
        return
    token = _COLUMN_CACHE.set({})
    try:
        yield
    finally:
        _COLUMN_CACHE.reset(token)


def _prepared(kind: str, df: pd.DataFrame, column: str,
              prepare: Callable[[], np.ndarray]) -> np.ndarray:
    cache = _COLUMN_CACHE.get()
    if cache is None:
        return prepare()
    key = (kind, id(df), column)
    if key not in cache:
        cache[key] = (df, prepare())  # holding the frame keeps its id from being reused
    return cache[key][1]


def record_fields(df: pd.DataFrame, kind: str, build: Callable[[np.ndarray | slice], np.ndarray],
                  rows: np.ndarray) -> np.ndarray:
    """``build(rows)``, a (rows, fields) matrix of per-record values: inside a column cache it is
    built once for all records and its rows taken (one random read per row instead of one per
    field), else built for ``rows`` only (a few pairs at a time, e.g. during clustering)."""
    if _COLUMN_CACHE.get() is None:
        return build(rows)
    return np.take(_prepared(kind, df, "", lambda: build(slice(None))), rows, axis=0)


def text_values(df: pd.DataFrame, column: str) -> np.ndarray:
    """Column as an object array of str, with None for missing or blank values."""
    return _prepared("text", df, column, lambda: _text_array(df[column]))


def _text_array(series: pd.Series) -> np.ndarray:
    text = series.astype("string")
    blank = text.isna() | (text.str.strip() == "")
    values = text.to_numpy(dtype=object, na_value=None)
    values[blank.to_numpy(dtype=bool)] = None
    return values


def _plain_values(df: pd.DataFrame, column: str) -> np.ndarray:
    """Numbers and dates as they are; anything else as text with None for missing."""
    series = df[column]
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return series.to_numpy()
    return text_values(df, column)


def _missing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return pd.isna(a) | pd.isna(b)


def bands(values: np.ndarray, thresholds: Sequence[float], higher_is_closer: bool) -> np.ndarray:
    """Level per value: 0 below every threshold, k for passing the k weakest thresholds.

    ``thresholds`` are ordered from strongest to weakest (e.g. similarity 0.95, 0.88 or
    distance 1, 2); passing the strongest gives the highest level ``len(thresholds)``.
    """
    levels = np.zeros(values.shape, dtype=np.int8)
    for rank, threshold in enumerate(reversed(list(thresholds)), start=1):
        passed = values >= threshold if higher_is_closer else values <= threshold
        levels[passed] = rank
    return levels


def exact_match(column: str) -> ComparisonFn:
    """Levels: -1 missing, 0 different, 1 equal."""

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        values = _plain_values(df, column)
        a, b = values[left], values[right]
        missing = _missing(a, b)
        return np.where(missing, -1, a == b).astype(np.int8)

    return compare


def string_similarity(column: str, thresholds: Sequence[float], metric: str = "jaro_winkler",
                      exact_level: bool = True) -> ComparisonFn:
    """Levels: -1 missing, 0 else, 1..k similarity bands (``thresholds`` strongest first),
    k+1 exact equality when ``exact_level``."""
    scorer = _SIMILARITY_SCORERS[metric]

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        values = text_values(df, column)
        return _similarity_levels(values[left], values[right], scorer, thresholds, exact_level,
                                  higher_is_closer=True)

    return compare


def edit_distance(column: str, thresholds: Sequence[int], metric: str = "levenshtein",
                  exact_level: bool = True) -> ComparisonFn:
    """Levels: -1 missing, 0 else, 1..k distance bands (``thresholds`` smallest first),
    k+1 exact equality when ``exact_level``."""
    scorer = _DISTANCE_SCORERS[metric]

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        values = text_values(df, column)
        return _similarity_levels(values[left], values[right], scorer, thresholds, exact_level,
                                  higher_is_closer=False)

    return compare


def _similarity_levels(a: np.ndarray, b: np.ndarray, scorer, thresholds: Sequence[float],
                       exact_level: bool, higher_is_closer: bool) -> np.ndarray:
    missing = _missing(a, b)
    levels = np.full(a.shape, -1, dtype=np.int8)
    present = np.flatnonzero(~missing)
    if present.size == 0:
        return levels
    left_text, right_text = a[present].tolist(), b[present].tolist()
    dtype = np.float64 if higher_is_closer else np.int64
    scores = process.cpdist(left_text, right_text, scorer=scorer, dtype=dtype, workers=-1)
    found = bands(np.asarray(scores), thresholds, higher_is_closer)
    if exact_level:
        found[a[present] == b[present]] = len(thresholds) + 1
    levels[present] = found
    return levels


def absolute_difference(column: str, thresholds: Sequence[float],
                        exact_level: bool = True) -> ComparisonFn:
    """Numeric column. Levels: -1 missing, 0 else, 1..k for |a - b| within the bands
    (``thresholds`` smallest first), k+1 equal values when ``exact_level``."""

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        values = _prepared("number", df, column, lambda: pd.to_numeric(
            df[column], errors="coerce").to_numpy(dtype=np.float64))
        return _difference_levels(values[left], values[right], thresholds, exact_level)

    return compare


def date_difference(column: str, thresholds_days: Sequence[float], exact_level: bool = True,
                    date_format: str | None = None) -> ComparisonFn:
    """Date column (datetime64 or parseable text). Levels: -1 missing, 0 else, 1..k for the
    absolute difference in days within the bands (smallest first), k+1 same day. Text is
    parsed with ``date_format`` (e.g. "%Y-%m-%d"; None lets pandas infer it)."""

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        days = _prepared(f"days:{date_format}", df, column,
                         lambda: _day_numbers(df[column], date_format))
        return _difference_levels(days[left], days[right], thresholds_days, exact_level)

    return compare


def _day_numbers(series: pd.Series, date_format: str | None) -> np.ndarray:
    """Days since the epoch as float64, NaN where missing or unreadable."""
    dates = pd.to_datetime(series, errors="coerce", format=date_format)
    days = dates.to_numpy(dtype="datetime64[D]").astype(np.int64).astype(np.float64)
    days[dates.isna().to_numpy()] = np.nan
    return days


def _difference_levels(a: np.ndarray, b: np.ndarray, thresholds: Sequence[float],
                       exact_level: bool) -> np.ndarray:
    missing = np.isnan(a) | np.isnan(b)
    difference = np.abs(np.where(missing, 0.0, a - b))
    levels = bands(difference, thresholds, higher_is_closer=False)
    if exact_level:
        levels[difference == 0] = len(thresholds) + 1
    levels[missing] = -1
    return levels


def agreement(fn: ComparisonFn, min_level: int) -> ComparisonFn:
    """Two-level view of a comparison: 1 when its level is at least ``min_level``, 0 below,
    -1 missing."""

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        found = fn(df, left, right)
        return np.where(found < 0, -1, found >= min_level).astype(np.int8)

    return compare


def first_agreement(*fns: ComparisonFn, missing_if_all_missing: bool = True) -> ComparisonFn:
    """Combine comparisons into one: each fn gives 0/1 (or -1); the level is
    len(fns) - index of the first fn that agrees (first fn = strongest), 0 if none agrees."""

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        levels = np.zeros(left.shape, dtype=np.int8)
        all_missing = np.ones(left.shape, dtype=bool)
        decided = np.zeros(left.shape, dtype=bool)
        for index, fn in enumerate(fns):
            found = fn(df, left, right)
            all_missing &= found < 0
            agree = (found > 0) & ~decided
            levels[agree] = len(fns) - index
            decided |= agree
        if missing_if_all_missing:
            levels[all_missing] = -1
        return levels

    return compare


def comparison_levels(df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                      comparisons: list[Comparison], chunk: int = CHUNK_PAIRS,
                      workers: int | None = None) -> np.ndarray:
    """int8 matrix (n_pairs, n_comparisons) of levels, computed ``chunk`` pairs at a time.

    A first chunk of ``FIRST_CHUNK_PAIRS`` is computed alone (it prepares the shared column
    arrays); the others run on ``workers`` threads (default: one per CPU), each writing its own
    rows of the matrix. The comparisons are numpy and rapidfuzz work that releases the GIL for
    most of its time.
    """
    left, right = np.asarray(left), np.asarray(right)
    out = np.empty((left.size, len(comparisons)), dtype=np.int8)
    first = min(FIRST_CHUNK_PAIRS, chunk, left.size)
    spans = [(0, first)] if first else []
    spans += [(begin, min(begin + chunk, left.size)) for begin in range(first, left.size, chunk)]

    def fill(begin: int, end: int) -> None:
        part_left = left[begin:end].astype(np.int64, copy=False)
        part_right = right[begin:end].astype(np.int64, copy=False)
        for column, comparison in enumerate(comparisons):
            out[begin:end, column] = comparison.fn(df, part_left, part_right)

    with column_cache():
        if spans:
            fill(*spans[0])
        threads = min(workers or os.cpu_count() or 1, len(spans) - 1)
        if threads > 1:
            with ThreadPoolExecutor(threads) as pool:
                # each task runs in a copy of this context: it sees the same column cache
                done = [pool.submit(contextvars.copy_context().run, fill, *span) for span in spans[1:]]
                for future in done:
                    future.result()
        else:
            for span in spans[1:]:
                fill(*span)
    return out
