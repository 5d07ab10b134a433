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
