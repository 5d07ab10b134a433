"""Comparison-vector patterns: a mixed-radix code per row of a level matrix, the distinct
patterns with each pair's row among them, and (rule mask, pattern) counts.

Every function returns the distinct rows in lexicographic order (first column most
significant), whichever way it counts them (dense tables, sorted codes, numpy's unique).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linkage.engine.parallel import CHUNKS, in_parallel


def _radices(columns: list[np.ndarray]) -> list[int]:
    """Radix of each integer column (values >= -1) in a mixed-radix row code."""
    return [int(column.max()) + 2 if column.size else 1 for column in columns]


def _row_codes(columns: list[np.ndarray], radices: list[int]) -> np.ndarray | None:
    """Mixed-radix int64 code of each row of integer columns (digit = value + 1, first column
    most significant, so codes order rows lexicographically), built a column at a time so no
    (rows x columns) int64 matrix is made; None when the code would not fit."""
    if np.sum(np.log2(np.asarray(radices, dtype=np.float64))) >= 62:
        return None
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for column, radix in zip(columns, radices):
        code *= radix
        code += column
        code += 1
    return code


def _decoded(codes: np.ndarray, radices: list[int]) -> list[np.ndarray]:
    """The columns whose ``_row_codes`` are ``codes``."""
    columns = []
    for radix in reversed(radices):
        columns.append(codes % radix - 1)
        codes = codes // radix
    return columns[::-1]


DENSE_PATTERN_CODES = 1 << 22
"""Largest level-pattern code space indexed through dense tables (16 MB of int32 rows)."""
DENSE_MASKED_COUNTS = 1 << 25
"""Largest (rule mask, pattern) space counted in a dense table (256 MB of int64 counts)."""


@dataclass
class PatternIndex:
    """The distinct level patterns of some pairs (lexicographic order) and each pair's row
    among them (int16 when there are at most 2^15 patterns)."""

    patterns: np.ndarray
    pair_pattern: np.ndarray


def pattern_index(levels: np.ndarray) -> PatternIndex | None:
    """``PatternIndex`` of a level matrix through a mixed-radix code of each row (digit = level
    + 1, first column most significant, so codes order rows lexicographically); None when the
    code space exceeds ``DENSE_PATTERN_CODES`` or there are no columns. The pair-sized passes
    run on one thread per CPU."""
    radices = _radices([levels[:, k] for k in range(levels.shape[1])])
    if not radices or np.sum(np.log2(np.asarray(radices, dtype=np.float64))) > np.log2(DENSE_PATTERN_CODES):
        return None
    space = int(np.prod(radices))
    codes = np.empty(levels.shape[0], dtype=np.int32)

    def code_rows(begin: int, end: int) -> None:
        for start in range(begin, end, CHUNKS.pattern_code):
            stop = min(start + CHUNKS.pattern_code, end)
            part, code = levels[start:stop], codes[start:stop]
            code.fill(0)
            for k, radix in enumerate(radices):
                code *= radix
                code += part[:, k]
                code += 1

    in_parallel(code_rows, codes.size)
    distinct, rows = _dense_rows(codes, space)
    pair_pattern = np.empty(codes.size, dtype=np.int16 if distinct.size <= 1 << 15 else np.int32)

    def number_rows(begin: int, end: int) -> None:
        for start in range(begin, end, CHUNKS.pairs):
            stop = min(start + CHUNKS.pairs, end)
            pair_pattern[start:stop] = rows[codes[start:stop]]

    in_parallel(number_rows, codes.size)
    del codes
    patterns = np.column_stack(_decoded(distinct, radices)).astype(np.int8).reshape(-1, levels.shape[1])
    return PatternIndex(patterns=patterns, pair_pattern=pair_pattern)


def pattern_counts(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the level matrix and how often each occurs."""
    _, patterns, counts = masked_pattern_counts(np.zeros(levels.shape[0], dtype=np.uint8), levels)
    return patterns, counts


def merged_patterns(levels: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows (lexicographic, as ``pattern_counts`` orders them) and their summed counts."""
    if levels.shape[0] == 0:
        return levels, np.zeros(0, np.int64)
    columns = [levels[:, k] for k in range(levels.shape[1])]
    radices = _radices(columns)
    codes = _row_codes(columns, radices)
    if codes is None:
        patterns, inverse = np.unique(levels, axis=0, return_inverse=True)
    else:
        distinct, inverse = np.unique(codes, return_inverse=True)
        patterns = np.column_stack(_decoded(distinct, radices)).astype(levels.dtype)
    summed = np.bincount(inverse.ravel(), weights=counts, minlength=patterns.shape[0])
    return patterns, summed.astype(np.int64)


def masked_pattern_counts(masks: np.ndarray, levels: np.ndarray, index: PatternIndex | None = None
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (rule mask, level pattern) rows of the candidate pairs, in lexicographic order,
    and their counts. ``index``: the ``pattern_index`` of ``levels`` when the caller has it."""
    if levels.shape[0] == 0:
        return np.zeros(0, np.int64), levels.reshape(0, levels.shape[1]), np.zeros(0, np.int64)
    index = index if index is not None else pattern_index(levels)
    if index is not None:
        counted = _dense_masked_counts(masks, index)
        if counted is not None:
            return counted
    return _sorted_masked_counts(masks, levels)


def _dense_masked_counts(masks: np.ndarray, index: PatternIndex
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``masked_pattern_counts`` by counting (mask row, pattern row) keys in a dense table,
    ordered as mask row, then pattern row; None when the table would exceed
    ``DENSE_MASKED_COUNTS`` entries or a mask is negative or too large to index."""
    if masks.min() < 0 or masks.max() >= DENSE_PATTERN_CODES:
        return None
    mask_values, mask_rows = _dense_rows(masks, int(masks.max()) + 1)
    n_patterns = index.patterns.shape[0]
    space = mask_values.size * n_patterns
    if space > DENSE_MASKED_COUNTS:
        return None
    counts = np.zeros(space, np.int64)
    for start in range(0, masks.size, CHUNKS.pairs):
        part = slice(start, start + CHUNKS.pairs)
        key = mask_rows[masks[part]]  # int32: the space is below 2^31
        key *= n_patterns
        key += index.pair_pattern[part]
        np.add.at(counts, key, 1)
    found = np.flatnonzero(counts)
    return (mask_values[found // n_patterns].astype(np.int64), index.patterns[found % n_patterns],
            counts[found])


def _dense_rows(values: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values (sorted) of non-negative ints below ``space``, and a table mapping
    each of them to its row among them."""
    seen = np.zeros(space, dtype=bool)
    for start in range(0, values.size, CHUNKS.pairs):
        seen[values[start:start + CHUNKS.pairs]] = True
    distinct = np.flatnonzero(seen)
    rows = np.zeros(space, dtype=np.int32)
    rows[distinct] = np.arange(distinct.size, dtype=np.int32)
    return distinct, rows


def _sorted_masked_counts(masks: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``masked_pattern_counts`` by sorting an int64 code of each pair (any sizes)."""
    columns = [masks, *(levels[:, k] for k in range(levels.shape[1]))]
    radices = _radices(columns)
    codes = _row_codes(columns, radices)
    if codes is None:
        rows, counts = np.unique(np.column_stack([masks.astype(np.int64), levels.astype(np.int64)]),
                                 axis=0, return_counts=True)
        return rows[:, 0], rows[:, 1:].astype(np.int8), counts
    codes.sort()
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    counts = np.diff(np.append(starts, codes.size))
    distinct = codes[starts]
    del codes
    decoded = _decoded(distinct, radices)
    return decoded[0].astype(np.int64), np.column_stack(decoded[1:]).astype(np.int8), counts
