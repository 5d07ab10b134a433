"""u, the level shares among non-matches, from random record pairs.

u of each level is its share among ``settings.u_sample_size`` random record pairs (seeded;
across the ``link_only_column`` values only when set); a level never seen gets half a count.
Random pairs are almost all non-matches, so u stays fixed at this value during EM
(``linkage.engine.fs.em``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.engine.levels import comparison_levels, text_values
from linkage.engine.settings import Comparison, LinkageSettings


def random_pairs(n: int, size: int, seed: int,
                 side: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``size`` random distinct pairs (left < right), across ``side`` values when given."""
    rng = np.random.default_rng(seed)
    if side is not None:
        groups = [np.flatnonzero(side == value) for value in np.unique(side)]
        possible = (sum(len(g) for g in groups) ** 2 - sum(len(g) ** 2 for g in groups)) // 2
    else:
        possible = n * (n - 1) // 2
    size = int(min(size, possible))
    left_parts, right_parts, found = [], [], 0
    while found < size:
        draw = max(2 * (size - found), 1024)
        a, b = rng.integers(0, n, draw), rng.integers(0, n, draw)
        keep = a != b if side is None else side[a] != side[b]
        a, b = a[keep], b[keep]
        left_parts.append(np.minimum(a, b))
        right_parts.append(np.maximum(a, b))
        found += a.size
    left = np.concatenate(left_parts)[:size] if left_parts else np.zeros(0, np.int64)
    right = np.concatenate(right_parts)[:size] if right_parts else np.zeros(0, np.int64)
    return left.astype(np.int64), right.astype(np.int64)


def level_shares(levels: np.ndarray, n_levels: int, weights: np.ndarray | None = None,
                 pseudo_count: float = 0.5) -> np.ndarray:
    """Share of each level among the non-missing entries, each level given a pseudo count."""
    present = levels >= 0
    counts = np.bincount(levels[present].astype(np.int64), minlength=n_levels,
                         weights=None if weights is None else weights[present])[:n_levels]
    counts = counts.astype(np.float64) + pseudo_count
    return counts / counts.sum()


def estimate_u(df: pd.DataFrame, comparisons: list[Comparison], sample_size: int, seed: int,
               link_only_column: str | None = None) -> list[np.ndarray]:
    """u per level of each comparison from random pairs."""
    side = pd.factorize(df[link_only_column])[0] if link_only_column else None
    left, right = random_pairs(len(df), sample_size, seed, side)
    levels = comparison_levels(df, left, right, comparisons)
    return [level_shares(levels[:, k], len(c.levels)) for k, c in enumerate(comparisons)]


def settings_u(df: pd.DataFrame, settings: LinkageSettings) -> list[np.ndarray]:
    """``estimate_u`` with the sample size, seed and link-only column of ``settings``; the text
    of the term-frequency columns is prepared too (kept in an open ``column_cache`` for the tf
    tables)."""
    u = estimate_u(df, settings.comparisons, settings.u_sample_size, settings.seed,
                   settings.link_only_column)
    for comparison in settings.comparisons:
        if comparison.tf_column:
            text_values(df, comparison.tf_column)
    return u
