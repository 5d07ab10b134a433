"""EM for m and lambda on distinct comparison-vector patterns with their counts, u fixed.

Under conditional independence; a missing level (-1) contributes nothing. u stays fixed at
its random-sample value (``linkage.engine.fs.u``) during EM: random pairs are almost all
non-matches while candidate pairs are not, and updating u would let EM drift into "agrees on
everything" vs "disagrees on everything". m is floored at ``M_FLOOR`` and renormalized;
``fixed`` levels keep the given m and the trained levels share the remaining mass.
"""
from __future__ import annotations

import numpy as np

from linkage.engine.fs.model import LAMBDA_BOUNDS
from linkage.engine.fs.u import level_shares

M_FLOOR = 1e-6


def _initial_m(n_levels: int) -> np.ndarray:
    weights = 4.0 ** np.arange(n_levels)
    return weights / weights.sum()


def _log_ratio(patterns: np.ndarray, m: list[np.ndarray], u: list[np.ndarray]) -> np.ndarray:
    total = np.zeros(patterns.shape[0])
    for k in range(patterns.shape[1]):
        column = patterns[:, k]
        present = column >= 0
        weights = np.log(m[k] / u[k])
        total[present] += weights[column[present]]
    return total


def expectation_maximisation(patterns: np.ndarray, counts: np.ndarray, m: list[np.ndarray],
                             u: list[np.ndarray], fixed: list[dict[int, float]], lambda_: float,
                             max_iterations: int, tolerance: float = 1e-6
                             ) -> tuple[list[np.ndarray], float, int, bool]:
    """EM for m and lambda with u fixed. ``fixed[k]`` maps level -> m kept as given."""
    counts = counts.astype(np.float64)
    m = [mk.copy() for mk in m]
    if counts.sum() == 0:
        return m, lambda_, 0, True
    for iteration in range(1, max_iterations + 1):
        logit = np.log(lambda_ / (1 - lambda_)) + _log_ratio(patterns, m, u)
        posterior = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        weighted = counts * posterior
        new_lambda = float(np.clip(weighted.sum() / counts.sum(), *LAMBDA_BOUNDS))
        change = abs(new_lambda - lambda_)
        for k in range(patterns.shape[1]):
            if not np.any(patterns[:, k] >= 0):
                continue
            shares = level_shares(patterns[:, k], m[k].size, weighted, pseudo_count=0.0)
            new_m = _with_fixed(shares, fixed[k])
            change = max(change, float(np.max(np.abs(new_m - m[k]))))
            m[k] = new_m
        lambda_ = new_lambda
        if change < tolerance:
            return m, lambda_, iteration, True
    return m, lambda_, max_iterations, False


def _with_fixed(shares: np.ndarray, fixed: dict[int, float]) -> np.ndarray:
    """Floor the trained shares, give them the mass the fixed levels leave, set fixed levels."""
    trained = np.array([level not in fixed for level in range(shares.size)])
    result = np.zeros(shares.size)
    free_mass = 1.0 - sum(fixed.values())
    trained_shares = np.maximum(shares[trained], M_FLOOR)
    result[trained] = free_mass * trained_shares / trained_shares.sum()
    for level, value in fixed.items():
        result[level] = value
    return result
