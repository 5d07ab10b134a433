"""Scoring: each comparison's weight per pair (term frequencies included), their sum (the
evidence), and match weights and probabilities.

Term frequencies: for a comparison with ``tf_column``, at its ``tf_levels``, u is replaced
per pair by the frequency of the value (share of non-missing records carrying it; the larger
of the two sides' frequencies when they differ), floored at ``tf_floor``. Sharing a very
common value then weighs little and sharing a rare one a lot.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.engine.fs.model import ComparisonModel, FSModel, tf_key_digest
from linkage.engine.fs.patterns import PatternIndex
from linkage.engine.levels import text_values
from linkage.engine.parallel import CHUNKS, in_parallel


def term_frequencies(df: pd.DataFrame, column: str) -> dict[str, float]:
    """Share of non-missing records carrying each value of ``column``."""
    values = pd.Series(text_values(df, column)).dropna()
    return values.value_counts(normalize=True).astype(float).to_dict()


def _tf_frequencies(model: FSModel, df: pd.DataFrame) -> dict[int, np.ndarray]:
    """Per comparison with a term-frequency adjustment: the value frequency of each record."""
    return {k: _row_frequencies(df, comparison, model.tf_floor)
            for k, comparison in enumerate(model.comparisons)
            if comparison.tf_column and comparison.tf_levels}


def _level_table(comparison: ComparisonModel) -> np.ndarray:
    """Weight of each level, then 0 for a missing level: indexing it with -1 takes the 0."""
    return np.append(comparison.level_weights(), 0.0)


def _tf_weights(comparison: ComparisonModel, frequency: np.ndarray, left: np.ndarray,
                right: np.ndarray, column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs at a term-frequency level (boolean) and their weights, log2(m / the larger
    of the two records' value frequencies)."""
    at_tf = np.isin(column, comparison.tf_levels)
    pair_u = np.maximum(frequency[left[at_tf]], frequency[right[at_tf]])
    return at_tf, np.log2(comparison.m[column[at_tf]] / pair_u)


def _contributions(model: FSModel, frequencies: dict[int, np.ndarray], left: np.ndarray,
                   right: np.ndarray, levels: np.ndarray) -> np.ndarray:
    out = np.empty(levels.shape, dtype=np.float64)
    for k, comparison in enumerate(model.comparisons):
        out[:, k] = _level_table(comparison)[levels[:, k]]
        if k in frequencies:
            at_tf, weights = _tf_weights(comparison, frequencies[k], left, right, levels[:, k])
            out[at_tf, k] = weights
    return out


def contributions(model: FSModel, df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                  levels: np.ndarray) -> np.ndarray:
    """Weight (log2 Bayes factor) each comparison adds to each pair, tf included; 0 if missing."""
    return _contributions(model, _tf_frequencies(model, df), left, right, levels)


def evidence(model: FSModel, df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
             levels: np.ndarray, chunk: int = CHUNKS.evidence, index: PatternIndex | None = None
             ) -> np.ndarray:
    """Sum of the contributions of each pair, a chunk of pairs at a time (bounded memory).

    With the ``pattern_index`` of ``levels``, a pair at no term-frequency level takes its
    pattern's sum, and only the pairs at one have their (pattern row, tf weights) summed: the
    same rows summed the same way, so the same numbers; the chunks run on one thread per CPU.
    """
    frequencies = _tf_frequencies(model, df)
    total = np.empty(levels.shape[0], dtype=np.float64)
    if index is None:
        for start in range(0, levels.shape[0], chunk):
            part = slice(start, start + chunk)
            total[part] = _contributions(model, frequencies, left[part], right[part],
                                         levels[part]).sum(axis=1)
        return total
    table = np.empty(index.patterns.shape, dtype=np.float64)
    for k, comparison in enumerate(model.comparisons):
        table[:, k] = _level_table(comparison)[index.patterns[:, k]]
    sums = table.sum(axis=1)

    def fill(begin: int, end: int) -> None:
        rows = index.pair_pattern[begin:end]
        np.take(sums, rows, out=total[begin:end])
        if frequencies:
            _tf_evidence(model, frequencies, table, total[begin:end], rows, left[begin:end],
                         right[begin:end], levels[begin:end])

    in_parallel(fill, levels.shape[0], chunk)
    return total


def _tf_evidence(model: FSModel, frequencies: dict[int, np.ndarray], table: np.ndarray,
                 total: np.ndarray, rows: np.ndarray, left: np.ndarray, right: np.ndarray,
                 levels: np.ndarray) -> None:
    """Re-sum in ``total`` the pairs at a term-frequency level from their pattern's
    contributions (``table`` row) with the tf weights put in."""
    at_any = np.zeros(levels.shape[0], dtype=bool)
    for k in frequencies:
        at_any |= np.isin(levels[:, k], model.comparisons[k].tf_levels)
    chosen = np.flatnonzero(at_any)
    block = table[rows[chosen]]
    for k, frequency in frequencies.items():
        at_tf, weights = _tf_weights(model.comparisons[k], frequency, left[chosen], right[chosen],
                                     levels[chosen, k])
        block[at_tf, k] = weights
    total[chosen] = block.sum(axis=1)


def _row_frequencies(df: pd.DataFrame, comparison: ComparisonModel, floor: float) -> np.ndarray:
    values = pd.Series(text_values(df, comparison.tf_column))
    if comparison.tf_hash_key is not None:  # a table with digested keys: digest each distinct value once
        key = comparison.tf_hash_key
        codes, uniques = pd.factorize(values)
        digests = np.array([tf_key_digest(key, str(value)) for value in uniques] + [None], dtype=object)
        values = pd.Series(digests[codes])
    frequency = values.map(comparison.tf_table).to_numpy(dtype=np.float64, na_value=np.nan)
    return np.maximum(np.nan_to_num(frequency, nan=floor), floor)


def score(model: FSModel, df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
          levels: np.ndarray, pair_groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Match weight (log2 odds) and match probability of each pair (``pair_groups``: see
    ``weights_from_evidence``)."""
    return weights_from_evidence(model, evidence(model, df, left, right, levels), pair_groups)


def weights_from_evidence(model: FSModel, pair_evidence: np.ndarray,
                          pair_groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Match weight (prior + evidence, log2 odds) and match probability of each pair.

    With the model's group priors and each pair's group (linkage.engine.fs.prior.pair_groups),
    a pair's prior is its group's; otherwise the one lambda."""
    group_weights = model.group_prior_weights()
    if group_weights is not None and pair_groups is not None:
        weight = group_weights[pair_groups] + pair_evidence
    else:
        weight = model.prior_weight + pair_evidence
    probability = 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))
    return weight, probability
