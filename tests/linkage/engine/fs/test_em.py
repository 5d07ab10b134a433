"""EM: m and lambda recovered from a known mixture's pattern counts."""
import numpy as np

from linkage.engine.fs.em import expectation_maximisation
from linkage.engine.fs.patterns import pattern_counts


def test_em_recovers_m_and_lambda_from_a_known_mixture():
    rng = np.random.default_rng(7)
    m_true = [np.array([0.1, 0.9]), np.array([0.05, 0.15, 0.8]), np.array([0.2, 0.8])]
    u_true = [np.array([0.9, 0.1]), np.array([0.7, 0.2, 0.1]), np.array([0.6, 0.4])]
    n, share = 40_000, 0.3
    is_match = rng.random(n) < share
    levels = np.stack([np.where(is_match, rng.choice(m.size, n, p=m), rng.choice(u.size, n, p=u))
                       for m, u in zip(m_true, u_true)], axis=1).astype(np.int8)
    levels[rng.random(n) < 0.1, 2] = -1
    patterns, counts = pattern_counts(levels)
    start = [np.full(m.size, 1 / m.size) + np.linspace(0, 0.1, m.size) for m in m_true]
    start = [s / s.sum() for s in start]
    m, lam, _, converged = expectation_maximisation(patterns, counts, start, u_true,
                                                    [{}, {}, {}], 0.5, 200)
    assert converged
    assert abs(lam - share) < 0.02
    for found, expected in zip(m, m_true):
        assert np.allclose(found, expected, atol=0.03)
