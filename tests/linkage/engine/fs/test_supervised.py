"""Supervised adapter: levels as one-hot features for recordlinkage."""
import numpy as np

from linkage.engine.fs.supervised import one_hot_levels, train_supervised


def test_supervised_adapter_feeds_levels_to_recordlinkage(settings_for_people):
    settings = settings_for_people()
    rng = np.random.default_rng(0)
    labels = rng.random(400) < 0.3
    levels = np.where(labels[:, None], 1, rng.integers(-1, 2, (400, 4))).astype(np.int8)
    classifier = train_supervised(levels, labels, settings.comparisons)
    probability = classifier.prob(one_hot_levels(levels, settings.comparisons)).to_numpy()
    assert probability[labels].mean() > 0.8 > 0.5 > probability[~labels].mean()
