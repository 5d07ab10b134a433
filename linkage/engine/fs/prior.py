"""lambda, the prior that two records match, from the candidate pairs' evidence.

Blocked non-matches are not random pairs, so the share of matches among candidate pairs is
the wrong prior for scoring them. lambda is the fixed point of lambda = (sum of the candidate
pairs' match probabilities) / (number of all possible pairs), i.e. pairs outside blocking
count as non-matches; kept in ``LAMBDA_BOUNDS``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.engine.fs.model import LAMBDA_BOUNDS
from linkage.engine.parallel import CHUNKS, in_parallel


def possible_pairs(df: pd.DataFrame, link_only_column: str | None) -> int:
    """Number of record pairs the linkage could consider (across sides when link-only)."""
    n = len(df)
    if not link_only_column:
        return n * (n - 1) // 2
    sizes = pd.Series(df[link_only_column]).value_counts().to_numpy(dtype=np.int64)
    return int((sizes.sum() ** 2 - (sizes ** 2).sum()) // 2)


def prior_from_candidates(evidence: np.ndarray, all_pairs: int, iterations: int = 200,
                          tolerance: float = 1e-9) -> float:
    """lambda with lambda = sum over candidates of P(match | evidence, lambda) / all_pairs.

    Each iteration fills the probabilities block by block on one thread per CPU, then sums
    them in one ``sum`` (the same numbers as a single pass over all pairs)."""
    all_pairs = max(all_pairs, 1)
    lambda_ = float(np.clip(max((evidence > 0).sum(), 1) / all_pairs, *LAMBDA_BOUNDS))
    probability = np.empty_like(evidence)
    for _ in range(iterations):
        log_odds = np.log2(lambda_ / (1 - lambda_))

        def fill(begin: int, end: int) -> None:
            for start in range(begin, end, CHUNKS.prior_block):
                part = probability[start:min(start + CHUNKS.prior_block, end)]
                np.add(evidence[start:start + part.size], log_odds, out=part)
                np.clip(part, -1000, 1000, out=part)
                np.negative(part, out=part)
                np.exp2(part, out=part)
                part += 1.0
                np.divide(1.0, part, out=part)

        in_parallel(fill, evidence.size)
        expected = float(probability.sum())
        new_lambda = float(np.clip(expected / all_pairs, *LAMBDA_BOUNDS))
        if abs(new_lambda - lambda_) <= tolerance * lambda_:
            return new_lambda
        lambda_ = new_lambda
    return lambda_


def record_categories(df: pd.DataFrame, key) -> tuple[np.ndarray, int]:
    """Category of each record under a ``prior_groups`` key, shifted so -1 is 0 (int16), and
    their count K."""
    codes = np.asarray(key(df), dtype=np.int64) + 1
    if codes.size and codes.min() < 0:
        raise ValueError("prior_groups codes must be >= -1")
    k = int(codes.max(initial=0)) + 1
    if k * k > np.iinfo(np.int16).max:
        raise ValueError("prior_groups gives too many categories")
    return codes.astype(np.int16), k


def pair_groups(categories: np.ndarray, k: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Flattened group (a * K + b, a <= b) of each pair from its records' categories: int8
    when K * K fits, else int16; filled a block at a time on one thread per CPU (no pair-sized
    temporaries)."""
    out = np.empty(np.asarray(left).size, dtype=np.int8 if k * k <= np.iinfo(np.int8).max else np.int16)

    def fill(begin: int, end: int) -> None:
        for start in range(begin, end, CHUNKS.prior_block):
            stop = min(start + CHUNKS.prior_block, end)
            a, b = categories[left[start:stop]], categories[right[start:stop]]
            out[start:stop] = np.minimum(a, b) * k + np.maximum(a, b)

    in_parallel(fill, out.size)
    return out


def group_possible_pairs(categories: np.ndarray, k: int, df: pd.DataFrame,
                         link_only_column: str | None) -> np.ndarray:
    """(K, K) upper-triangular: the possible pairs (as ``possible_pairs``) per category pair."""
    sides = (np.zeros(categories.size, dtype=np.int64) if not link_only_column
             else pd.factorize(pd.Series(df[link_only_column]))[0].astype(np.int64))
    per_side = np.zeros((int(sides.max(initial=0)) + 1, k), dtype=np.float64)
    np.add.at(per_side, (sides, categories), 1.0)
    total = per_side.sum(axis=0)
    cross = np.outer(total, total)
    if link_only_column:
        cross -= per_side.T @ per_side
        within = np.diag(cross) / 2
    else:
        within = total * (total - 1) / 2
    out = np.triu(cross, 1)
    out[np.diag_indices(k)] = within
    return out


EVIDENCE_BIN = 0.01
"""Width (bits) of the evidence bins the group priors' fixed point runs on: each bin stands
for its pairs by their count and mean evidence, so within a bin only the curvature of the
match probability is lost (relative error below 1e-5 at this width)."""


def _evidence_histogram(evidence: np.ndarray, groups: np.ndarray, size: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group, count, mean evidence) of each non-empty (group, evidence bin) cell, the bins
    counted a block at a time on one thread per CPU (no pair-sized temporaries)."""
    low = float(np.clip(evidence.min(initial=0.0), -1000, 1000))
    high = float(np.clip(evidence.max(initial=0.0), -1000, 1000))
    bins = int((high - low) / EVIDENCE_BIN) + 1
    cells = size * bins
    partial: list[tuple[np.ndarray, np.ndarray]] = []

    def add(begin: int, end: int) -> None:
        counts = np.zeros(cells, dtype=np.float64)
        sums = np.zeros(cells, dtype=np.float64)
        for start in range(begin, end, CHUNKS.prior_block):
            stop = min(start + CHUNKS.prior_block, end)
            part = np.clip(evidence[start:stop], -1000, 1000)
            cell = np.minimum(((part - low) / EVIDENCE_BIN).astype(np.int64), bins - 1)
            cell += groups[start:stop].astype(np.int64) * bins
            counts += np.bincount(cell, minlength=cells)
            sums += np.bincount(cell, weights=part, minlength=cells)
        partial.append((counts, sums))

    in_parallel(add, evidence.size)
    counts = np.sum([c for c, _ in partial], axis=0) if partial else np.zeros(cells)
    sums = np.sum([t for _, t in partial], axis=0) if partial else np.zeros(cells)
    filled = np.flatnonzero(counts)
    return filled // bins, counts[filled], sums[filled] / counts[filled]


def group_priors(evidence: np.ndarray, groups: np.ndarray, possible: np.ndarray,
                 fallback: float, iterations: int = 200, tolerance: float = 1e-9) -> np.ndarray:
    """(K, K) symmetric lambdas: per group, the fixed point of ``prior_from_candidates`` on that
    group's candidates over that group's possible pairs, iterated on the candidates' evidence
    histogram (EVIDENCE_BIN) until every group has converged. A group without candidates or
    possible pairs takes ``fallback``."""
    k = possible.shape[0]
    flat_possible = possible.ravel()
    cell_group, cell_count, cell_evidence = _evidence_histogram(evidence, groups, k * k)
    counts = np.bincount(cell_group, weights=cell_count, minlength=k * k)
    positive = np.bincount(cell_group, weights=cell_count * (cell_evidence > 0), minlength=k * k)
    usable = (counts > 0) & (flat_possible > 0)
    lambdas = np.full(k * k, fallback, dtype=np.float64)
    lambdas[usable] = np.clip(np.maximum(positive[usable], 1) / flat_possible[usable], *LAMBDA_BOUNDS)
    for _ in range(iterations):
        log_odds = np.log2(lambdas / (1 - lambdas))
        weight = np.clip(cell_evidence + log_odds[cell_group], -1000, 1000)
        expected = np.bincount(cell_group, weights=cell_count / (1.0 + np.exp2(-weight)), minlength=k * k)
        new = lambdas.copy()
        new[usable] = np.clip(expected[usable] / flat_possible[usable], *LAMBDA_BOUNDS)
        done = np.all(np.abs(new - lambdas) <= tolerance * lambdas)
        lambdas = new
        if done:
            break
    table = lambdas.reshape(k, k)
    return np.triu(table) + np.triu(table, 1).T
