"""Components of the strong edges: pairs inside them, conflicts, components settled without the loop."""
from dataclasses import replace

import numpy as np
import pandas as pd

from linkage.engine.clustering import ClusterStats, cluster
from linkage.engine.components import (component_conflicts, pairs_within_components, settled_components,
                                       strong_components)
from linkage.engine.parallel import CHUNKS
from linkage.engine.settings import CannotLink, LinkageSettings


def _settings(**changes) -> LinkageSettings:
    return LinkageSettings(comparisons=[], blocking_rules=[], match_threshold=0.9, **changes)


def test_pairs_within_components_of_the_strong_pairs():
    left = np.array([0, 0, 0, 1, 3, 2], dtype=np.int32)
    right = np.array([1, 1, 2, 2, 4, 4], dtype=np.int32)
    strong = np.array([True, True, False, False, False, True])
    component = strong_components(5, left, right, strong)
    assert component[0] == component[1] and component[2] == component[4] != component[0]
    assert len(set(component.tolist())) == 3
    assert pairs_within_components(component, left, right).tolist() == [0, 1, 5]
    empty = strong_components(0, left[:0], right[:0], strong[:0])
    assert pairs_within_components(empty, left[:0], right[:0]).size == 0


def test_components_without_conflict_or_weak_pair_are_settled_and_conflicts_known(monkeypatch):
    monkeypatch.setattr("linkage.engine.components.CHUNKS", replace(CHUNKS, settle=2))  # one component per step
    df = pd.DataFrame({"id": [1, 1, -1, 1, 2, -1, 5, 5, 5, 5, 5, 5]})
    component = np.array([0, 0, 0, 1, 1, 1, 2, 3, 4, 4, 5, 5])
    keys = df[["id"]].to_numpy()

    def far(frame, left, right):
        return np.abs(left - right) > 4

    position, conflict_left, conflict_right = component_conflicts(component, df, keys, far)
    assert position.tolist() == [0, 1, 2, 0, 1, 2, -1, -1, 0, 1, 0, 1]
    assert list(zip(conflict_left.tolist(), conflict_right.tolist())) == [(3, 4)]
    lo = np.array([0, 3, 8, 10])
    probability = np.array([0.9, 0.9, 0.9, 0.5])
    settled = settled_components(component, lo, probability, conflict_left, 0.5, 20_000)
    assert settled.tolist() == [True, False, False, False, True, False]
    monkeypatch.setattr("linkage.engine.components.SETTLE_LIMIT", 2)
    assert component_conflicts(component, df, keys, far)[0].tolist() == [-1] * 8 + [0, 1, 0, 1]
    assert settled_components(component, lo, probability, conflict_left, 0.5, 1).tolist() == [
        False, False, False, False, True, False]


def test_settled_components_and_conflict_summaries_cluster_as_the_plain_loop(monkeypatch):
    rng = np.random.default_rng(9)
    sizes = np.concatenate((rng.integers(2, 12, 70), [80]))  # one component past SETTLE_LIMIT
    group = np.repeat(np.arange(sizes.size), sizes)
    n = group.size
    df = pd.DataFrame({"id": np.where(rng.random(n) < 0.15, group * 3 + rng.integers(0, 2, n), -1),
                       "birth": group * 100 + rng.integers(0, 14, n)})

    def births_far_apart(frame, left, right):  # not transitive: chains hide conflicts
        birth = frame["birth"].to_numpy()
        return np.abs(birth[left] - birth[right]) > 9

    left, right = np.triu_indices(n, 1)
    keep = (group[left] == group[right]) & (rng.random(left.size) < 0.35)
    left, right = left[keep], right[keep]
    probability = np.where(rng.random(left.size) < 0.6, rng.uniform(0.9, 0.999, left.size),
                           rng.uniform(0.05, 0.9, left.size))
    weight = np.log2(probability / (1 - probability))
    constraint = CannotLink(keys=(lambda frame: frame["id"].to_numpy(),), predicate=births_far_apart)
    seen = ClusterStats()
    for cannot_link, cross_limit, min_support in [(constraint, 20_000, None), (constraint, 4, None),
                                                  (births_far_apart, 20_000, 0.7), (None, 20_000, 0.7)]:
        fast_stats, plain_stats = ClusterStats(), ClusterStats()
        settings = _settings(cannot_link=cannot_link)
        fast = cluster(n, left, right, probability, weight, df, settings, stats=fast_stats,
                       cross_limit=cross_limit, min_support=min_support)
        with monkeypatch.context() as patch:
            patch.setattr("linkage.engine.components.SETTLE_LIMIT", 1)  # no component settled or pre-checked
            plain = cluster(n, left, right, probability, weight, df, settings, stats=plain_stats,
                            cross_limit=cross_limit, min_support=min_support)
        fast_stats.seconds_loop = plain_stats.seconds_loop = 0.0
        assert np.array_equal(fast, plain) and fast_stats == plain_stats
        for name in ("merges", "rejected_conflict", "rejected_support", "clusters_resplit"):
            setattr(seen, name, getattr(seen, name) + getattr(plain_stats, name))
    assert min(seen.merges, seen.rejected_conflict, seen.rejected_support, seen.clusters_resplit) > 0
