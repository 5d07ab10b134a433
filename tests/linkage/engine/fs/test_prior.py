"""Prior: lambda is expected matches over all possible pairs, the same numbers in blocks on threads."""
import numpy as np
import pandas as pd

from linkage.engine.fs.model import LAMBDA_BOUNDS
from linkage.engine.fs.prior import possible_pairs, prior_from_candidates
from linkage.engine.parallel import CHUNKS


def test_prior_is_expected_matches_over_all_pairs():
    evidence = np.concatenate([np.full(30, 40.0), np.full(1000, -40.0)])
    assert abs(prior_from_candidates(evidence, 1_000_000) - 30 / 1_000_000) < 1e-9
    side = pd.DataFrame({"s": ["a"] * 3 + ["b"] * 4})
    assert possible_pairs(side, "s") == 12 and possible_pairs(side, None) == 21


def test_prior_in_blocks_on_threads_is_the_single_pass_number():
    evidence = np.random.default_rng(8).normal(-20, 15, 3 * CHUNKS.prior_block + 17)
    lambda_ = float(np.clip(max((evidence > 0).sum(), 1) / 10**9, *LAMBDA_BOUNDS))
    for _ in range(200):
        weight = np.clip(evidence + np.log2(lambda_ / (1 - lambda_)), -1000, 1000)
        new_lambda = float(np.clip(float((1.0 / (1.0 + np.exp2(-weight))).sum()) / 10**9, *LAMBDA_BOUNDS))
        if abs(new_lambda - lambda_) <= 1e-9 * lambda_:
            break
        lambda_ = new_lambda
    assert prior_from_candidates(evidence, 10**9) == new_lambda
