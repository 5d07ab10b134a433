"""u: random record pairs (distinct, ordered, across sides, seeded)."""
import numpy as np

from linkage.engine.fs.u import random_pairs


def test_random_pairs_distinct_ordered_and_across_sides():
    left, right = random_pairs(50, 500, seed=1)
    assert left.size == 500 and np.all(left < right)
    side = np.array([0] * 10 + [1] * 5)
    left, right = random_pairs(15, 10_000, seed=1, side=side)
    assert left.size == 50  # capped at the 10 x 5 possible pairs
    assert np.all(side[left] != side[right])
    assert np.array_equal(random_pairs(50, 100, seed=3)[0], random_pairs(50, 100, seed=3)[0])
