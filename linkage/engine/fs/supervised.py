"""Supervised adapter: comparison levels as one-hot features for recordlinkage's classifiers."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.engine.settings import Comparison


def one_hot_levels(levels: np.ndarray, comparisons: list[Comparison]) -> pd.DataFrame:
    """One indicator column per comparison level (missing = all zero), for sklearn or
    recordlinkage classifiers."""
    columns = {}
    for k, comparison in enumerate(comparisons):
        for level, label in enumerate(comparison.levels):
            columns[f"{comparison.name}={label}"] = (levels[:, k] == level).astype(np.int8)
    return pd.DataFrame(columns)


def train_supervised(levels: np.ndarray, labels: np.ndarray, comparisons: list[Comparison]):
    """Fit recordlinkage's LogisticRegressionClassifier on labelled pairs' levels.

    Returns the fitted classifier; ``classifier.prob(one_hot_levels(...))`` gives match
    probabilities of new pairs (the index of the frame is the pair number).
    """
    from recordlinkage import LogisticRegressionClassifier

    features = one_hot_levels(levels, comparisons)
    classifier = LogisticRegressionClassifier()
    classifier.fit(features, features.index[np.asarray(labels, dtype=bool)])
    return classifier
