"""The level matrix of a set of comparisons, and the per-frame column cache the comparisons read.

``comparison_levels`` fills the (pairs, comparisons) int8 matrix a chunk of pairs at a time.
Inside ``column_cache`` (opened by ``comparison_levels`` and by ``linkage.engine.link.link``)
the per-record arrays a comparison prepares from the frame are built once per frame and shared
by every chunk, thread and comparison that asks for them; outside, they are built each time.

A comparison declares what it reads once, at module level (or in its factory):

- ``RecordFields(name, build)``: a (records, fields) matrix of per-record values, read with
  ``FIELDS.take(df, rows)`` (the fields of the records at ``rows``);
- ``ColumnArray(name, prepare)``: an array per record prepared from one column, read with
  ``ARRAY.of(df, column)``; ``text_values`` is the text one.

The declaration itself is the cache key: two declarations never share an entry, whatever their
names (the name is for people reading a repr).
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.engine.parallel import CHUNKS, run_spans, spans
from linkage.engine.settings import Comparison

Rows = np.ndarray | slice
"""Record positions (an index array), or ``slice(None)`` for every record of the frame."""

_COLUMN_CACHE: ContextVar[dict[tuple[Hashable, ...], tuple[pd.DataFrame, np.ndarray]] | None] = \
    ContextVar("column_cache", default=None)
"""Prepared arrays by (declaration, id(frame)[, column]), shared by the chunks of one
``comparison_levels`` call, or by all the calls inside ``column_cache``."""


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


def _cached(key: tuple[Hashable, ...], df: pd.DataFrame, prepare: Callable[[], np.ndarray]) -> np.ndarray:
    """``prepare()``, once per ``key`` inside a column cache (``key`` holds ``id(df)``)."""
    cache = _COLUMN_CACHE.get()
    if cache is None:
        return prepare()
    if key not in cache:
        cache[key] = (df, prepare())  # holding the frame keeps its id from being reused
    return cache[key][1]


@dataclass(frozen=True, eq=False)
class RecordFields:
    """A (records, fields) matrix of per-record values a comparison reads for each side of a pair.

    ``build(df, rows)`` gives the matrix of the records at ``rows`` (an index array, or
    ``slice(None)`` for all of them). ``take(df, rows)`` inside a column cache builds it once
    for every record of the frame and takes its rows (one random read per row instead of one
    per field); outside it builds it for ``rows`` only (a few pairs at a time, e.g. during
    clustering). Declare it once, at module level or in a comparison's factory: the object is
    its own cache key.
    """

    name: str
    build: Callable[[pd.DataFrame, Rows], np.ndarray]

    def take(self, df: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        """The fields of the records at ``rows``: a (rows, fields) matrix."""
        if _COLUMN_CACHE.get() is None:
            return self.build(df, rows)
        return np.take(_cached((self, id(df)), df, lambda: self.build(df, slice(None))), rows, axis=0)


def code_columns(*columns: str) -> Callable[[pd.DataFrame, Rows], np.ndarray]:
    """A ``RecordFields`` builder: the int64 code ``columns`` of the rows, stacked as int32
    (codes count records or small numbers: they fit)."""

    def build(df: pd.DataFrame, rows: Rows) -> np.ndarray:
        return np.stack([df[column].to_numpy(dtype=np.int64)[rows] for column in columns], axis=1).astype(np.int32)

    return build


@dataclass(frozen=True, eq=False)
class ColumnArray:
    """An array per record prepared from one column of the frame: ``prepare(df[column])``.

    ``of(df, column)`` inside a column cache prepares it once per frame and column. Declare it
    once: the object is its own cache key.
    """

    name: str
    prepare: Callable[[pd.Series], np.ndarray]

    def of(self, df: pd.DataFrame, column: str) -> np.ndarray:
        """The prepared array of ``df[column]``, one value per record."""
        return _cached((self, id(df), column), df, lambda: self.prepare(df[column]))


def _text_array(series: pd.Series) -> np.ndarray:
    text = series.astype("string")
    blank = text.isna() | (text.str.strip() == "")
    values = text.to_numpy(dtype=object, na_value=None)
    values[blank.to_numpy(dtype=bool)] = None
    return values


TEXT = ColumnArray("text", _text_array)
"""A column as an object array of str, with None for missing or blank values."""


def text_values(df: pd.DataFrame, column: str) -> np.ndarray:
    """Column as an object array of str, with None for missing or blank values."""
    return TEXT.of(df, column)


def comparison_levels(df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                      comparisons: list[Comparison], chunk: int = CHUNKS.compare,
                      workers: int | None = None) -> np.ndarray:
    """int8 matrix (n_pairs, n_comparisons) of levels, computed ``chunk`` pairs at a time.

    A first chunk of ``CHUNKS.compare_first`` pairs is computed alone (it prepares the shared
    column arrays); the others run on ``workers`` threads (default: one per CPU), each writing
    its own rows of the matrix. The comparisons are numpy and rapidfuzz work that releases the
    GIL for most of its time.
    """
    left, right = np.asarray(left), np.asarray(right)
    out = np.empty((left.size, len(comparisons)), dtype=np.int8)

    def fill(begin: int, end: int) -> None:
        part_left = left[begin:end].astype(np.int64, copy=False)
        part_right = right[begin:end].astype(np.int64, copy=False)
        for column, comparison in enumerate(comparisons):
            out[begin:end, column] = comparison.fn(df, part_left, part_right)

    with column_cache():
        # each span after the first runs in a copy of this context: it sees the same column cache
        run_spans(fill, spans(left.size, chunk, first=min(CHUNKS.compare_first, chunk)),
                  first_alone=True, workers=workers)
    return out
