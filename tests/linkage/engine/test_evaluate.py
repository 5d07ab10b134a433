"""Evaluation from group sizes matches brute-force pair enumeration."""
from itertools import combinations

import numpy as np

from linkage.engine.evaluate import cluster_scores, pairwise_scores


def _pair_set(labels) -> set[tuple[int, int]]:
    return {(i, j) for i, j in combinations(range(len(labels)), 2) if labels[i] == labels[j]}


def test_pairwise_scores_by_hand():
    predicted = ["a", "a", "a", "b", "c"]
    truth = [1, 1, 2, 2, 3]
    scores = pairwise_scores(predicted, truth)
    assert scores["predicted_pairs"] == 3 and scores["true_pairs"] == 2
    assert scores["true_positive_pairs"] == 1
    assert scores["precision"] == 1 / 3 and scores["recall"] == 1 / 2
    assert abs(scores["f1"] - 0.4) < 1e-12


def test_pairwise_scores_equal_brute_force_on_random_labels():
    rng = np.random.default_rng(1)
    predicted, truth = rng.integers(0, 15, 120), rng.integers(0, 20, 120)
    predicted_pairs, true_pairs = _pair_set(predicted), _pair_set(truth)
    scores = pairwise_scores(predicted, truth)
    assert scores["precision"] == len(predicted_pairs & true_pairs) / len(predicted_pairs)
    assert scores["recall"] == len(predicted_pairs & true_pairs) / len(true_pairs)


def test_cluster_scores_count_exact_clusters():
    predicted = [0, 0, 1, 2, 2, 3]
    truth = ["x", "x", "y", "z", "w", "w"]
    scores = cluster_scores(predicted, truth)
    assert scores["exact_clusters"] == 2  # {0,1} and {2}
    assert scores["precision"] == 2 / 4 and scores["recall"] == 2 / 4


def test_perfect_labels_score_one():
    labels = [5, 5, 7, 9, 9, 9]
    assert pairwise_scores(labels, labels)["f1"] == 1.0
    assert cluster_scores(labels, [0, 0, 1, 2, 2, 2])["f1"] == 1.0
