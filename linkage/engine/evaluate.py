"""Pairwise and cluster-level precision/recall/F1 of cluster labels against true labels.

Pairs are counted from group sizes (sum of C(n, 2) over clusters and over the contingency
table of predicted x true labels), never enumerated.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _pairs_in(sizes: np.ndarray) -> int:
    sizes = sizes.astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _contingency(labels_pred, labels_true) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Codes of both labelings plus (pred, true, count) of each non-empty contingency cell."""
    pred = pd.factorize(pd.Series(np.asarray(labels_pred)))[0].astype(np.int64)
    true = pd.factorize(pd.Series(np.asarray(labels_true)))[0].astype(np.int64)
    if pred.size != true.size:
        raise ValueError(f"label arrays differ in length: {pred.size} vs {true.size}")
    cell = pred * (int(true.max(initial=-1)) + 1) + true
    cells, counts = np.unique(cell, return_counts=True)
    width = int(true.max(initial=-1)) + 1
    return pred, true, np.stack((cells // max(width, 1), cells % max(width, 1))), counts


def pairwise_scores(labels_pred, labels_true) -> dict[str, float]:
    """Precision, recall and F1 over the record pairs put together."""
    pred, true, _, cell_counts = _contingency(labels_pred, labels_true)
    predicted_pairs = _pairs_in(np.bincount(pred))
    true_pairs = _pairs_in(np.bincount(true))
    both = _pairs_in(cell_counts)
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "true_positive_pairs": both, "predicted_pairs": predicted_pairs,
            "true_pairs": true_pairs}


def cluster_scores(labels_pred, labels_true) -> dict[str, float]:
    """Share of predicted clusters that equal a true cluster exactly (precision) and of true
    clusters found exactly (recall)."""
    pred, true, cells, cell_counts = _contingency(labels_pred, labels_true)
    pred_sizes, true_sizes = np.bincount(pred), np.bincount(true)
    exact = int(np.sum((cell_counts == pred_sizes[cells[0]]) & (cell_counts == true_sizes[cells[1]])))
    precision = exact / pred_sizes.size if pred_sizes.size else 1.0
    recall = exact / true_sizes.size if true_sizes.size else 1.0
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "exact_clusters": exact, "predicted_clusters": int(pred_sizes.size),
            "true_clusters": int(true_sizes.size)}


def outcome_scores(true_positives: int, n_pred: int, n_true: int) -> dict[str, float]:
    """Precision, recall and F1 of a yes/no outcome from its true positives and both counts."""
    precision = true_positives / n_pred if n_pred else 1.0
    recall = true_positives / n_true if n_true else 1.0
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}
