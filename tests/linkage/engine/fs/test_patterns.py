"""Patterns: distinct rows and their counts, dense and sorted counting, merged patterns."""
import numpy as np

from linkage.engine.fs.patterns import (_dense_masked_counts, _sorted_masked_counts, merged_patterns,
                                        pattern_counts, pattern_index)


def test_pattern_counts_count_each_distinct_row():
    levels = np.array([[1, -1], [0, 2], [1, -1], [1, -1]], dtype=np.int8)
    patterns, counts = pattern_counts(levels)
    found = {tuple(p): c for p, c in zip(patterns.tolist(), counts.tolist())}
    assert found == {(1, -1): 3, (0, 2): 1}


def test_dense_and_sorted_pattern_counting_agree():
    rng = np.random.default_rng(4)
    levels = np.stack([rng.integers(-1, 2, 5000), rng.integers(-1, 4, 5000),
                       rng.integers(0, 3, 5000)], axis=1).astype(np.int8)
    masks = rng.choice([1, 2, 3, 6, 12], 5000).astype(np.uint32)
    index = pattern_index(levels)
    assert np.array_equal(index.patterns[index.pair_pattern], levels)
    dense, ordered = _dense_masked_counts(masks, index), _sorted_masked_counts(masks, levels)
    for ours, theirs in zip(dense, ordered):
        assert np.array_equal(ours, theirs) and ours.dtype == theirs.dtype


def test_merged_patterns_are_numpys_distinct_rows_with_summed_counts():
    rng = np.random.default_rng(9)
    levels = rng.integers(-1, 4, (3000, 5)).astype(np.int8)
    counts = rng.integers(1, 50, 3000)
    patterns, summed = merged_patterns(levels, counts)
    expected, inverse = np.unique(levels, axis=0, return_inverse=True)
    assert np.array_equal(patterns, expected) and patterns.dtype == np.int8
    assert np.array_equal(summed, np.bincount(inverse.ravel(), weights=counts).astype(np.int64))
