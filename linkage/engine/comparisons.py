"""Generic comparison building blocks: ComparisonFn factories over the columns of a frame.

Level convention: -1 a side is missing (no weight), 0 the "else" level, higher = stronger.
Every factory returns a function ``(df, left, right) -> int8 levels``; thresholds of string
similarities are applied on float64 values (rapidfuzz's float32 default rounds 0.79999 to 0.8).
The columns they read are prepared once per frame inside a column cache
(``linkage.engine.levels``).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from linkage.engine.levels import ColumnArray, text_values
from linkage.engine.settings import ComparisonFn

_SIMILARITY_SCORERS = {
    "jaro_winkler": JaroWinkler.normalized_similarity,
    "levenshtein": Levenshtein.normalized_similarity,
    "damerau_levenshtein": DamerauLevenshtein.normalized_similarity,
}
_DISTANCE_SCORERS = {
    "levenshtein": Levenshtein.distance,
    "damerau_levenshtein": DamerauLevenshtein.distance,
}

NUMBERS = ColumnArray("number", lambda series: pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64))
"""A column as float64, NaN where missing or not a number."""


@lru_cache(maxsize=None)
def day_numbers(date_format: str | None) -> ColumnArray:
    """A column as days since the epoch (float64, NaN where missing or unreadable), text parsed
    with ``date_format``: one declaration per format, so comparisons of one column share it."""
    return ColumnArray(f"days:{date_format}", lambda series: _day_numbers(series, date_format))


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
        values = NUMBERS.of(df, column)
        return _difference_levels(values[left], values[right], thresholds, exact_level)

    return compare


def date_difference(column: str, thresholds_days: Sequence[float], exact_level: bool = True,
                    date_format: str | None = None) -> ComparisonFn:
    """Date column (datetime64 or parseable text). Levels: -1 missing, 0 else, 1..k for the
    absolute difference in days within the bands (smallest first), k+1 same day. Text is
    parsed with ``date_format`` (e.g. "%Y-%m-%d"; None lets pandas infer it)."""
    days_of = day_numbers(date_format)

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        days = days_of.of(df, column)
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
