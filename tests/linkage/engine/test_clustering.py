"""Clustering: best-first merging, cannot-link never violated, unsupported chains not merged."""
import numpy as np
import pandas as pd

from linkage.engine.clustering import ClusterStats, best_first_rank, cluster
from linkage.engine.settings import CannotLink, LinkageSettings


def _settings(**changes) -> LinkageSettings:
    return LinkageSettings(comparisons=[], blocking_rules=[], match_threshold=0.9, **changes)


def _run(n, edges, settings, df=None, **kwargs):
    left = np.array([e[0] for e in edges])
    right = np.array([e[1] for e in edges])
    probability = np.array([e[2] for e in edges], dtype=float)
    weight = np.log2(probability / (1 - probability))
    df = df if df is not None else pd.DataFrame({"row": range(n)})
    return cluster(n, left, right, probability, weight, df, settings, **kwargs)


def test_strong_triangle_is_one_cluster_and_weak_edges_join_nothing():
    labels = _run(5, [(0, 1, 0.99), (1, 2, 0.98), (0, 2, 0.97), (3, 4, 0.5)], _settings())
    assert labels[0] == labels[1] == labels[2]
    assert len({labels[0], labels[3], labels[4]}) == 3
    assert sorted(set(labels.tolist())) == [0, 1, 2]


def test_chain_whose_ends_were_scored_low_is_not_merged():
    edges = [(0, 1, 0.99), (1, 2, 0.98), (0, 2, 0.01)]
    labels = _run(3, edges, _settings())
    assert labels[0] == labels[1] != labels[2]
    chained = _run(3, edges, _settings(), min_support=0.0)
    assert len(set(chained.tolist())) == 1


def test_general_cannot_link_holds_across_clusters_never_scored_together():
    df = pd.DataFrame({"id": ["A", None, "B", None]})

    def different_ids(frame, left, right):
        ids = frame["id"].to_numpy()
        return np.array([a is not None and b is not None and a != b
                         for a, b in zip(ids[left], ids[right])])

    stats = ClusterStats()
    labels = _run(4, [(0, 1, 0.99), (1, 2, 0.98), (2, 3, 0.97)],
                  _settings(cannot_link=different_ids), df=df, stats=stats)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]
    assert stats.rejected_conflict == 1


def test_key_cannot_link_uses_cluster_summaries_and_best_edge_wins():
    df = pd.DataFrame({"id": [10, -1, 20]})
    constraint = CannotLink(keys=(lambda frame: frame["id"].to_numpy(),))
    labels = _run(3, [(0, 1, 0.95), (1, 2, 0.99)], _settings(cannot_link=constraint), df=df)
    assert labels[1] == labels[2] != labels[0]  # record 1 joins its stronger partner
    assert constraint(df, np.array([0, 0]), np.array([1, 2])).tolist() == [False, True]


def test_no_cluster_ever_holds_two_conflicting_records():
    rng = np.random.default_rng(3)
    n = 400
    key = np.where(rng.random(n) < 0.5, rng.integers(0, 30, n), -1)
    df = pd.DataFrame({"key": key})
    left = rng.integers(0, n, 4000)
    right = rng.integers(0, n, 4000)
    keep = left != right
    edges = list(zip(left[keep], right[keep], rng.uniform(0.9, 0.999, keep.sum())))
    constraint = CannotLink(keys=(lambda frame: frame["key"].to_numpy(),))
    labels = _run(n, edges, _settings(cannot_link=constraint), df=df, min_support=0.0)
    frame = pd.DataFrame({"label": labels, "key": key})
    keys_per_cluster = frame[frame["key"] >= 0].groupby("label")["key"].nunique()
    assert keys_per_cluster.max() == 1
    assert frame["label"].nunique() < n  # it did merge


def test_cluster_merged_past_the_cross_limit_is_verified_and_split_at_its_weakest_link():
    df = pd.DataFrame({"id": ["A", None, None, "B"]})

    def different_ids(frame, left, right):
        ids = frame["id"].to_numpy()
        return np.array([a is not None and b is not None and a != b
                         for a, b in zip(ids[left], ids[right])])

    stats = ClusterStats()
    labels = _run(4, [(0, 1, 0.99), (1, 2, 0.98), (2, 3, 0.97)],
                  _settings(cannot_link=different_ids), df=df, stats=stats, cross_limit=1)
    assert stats.clusters_reverified == 1 and stats.clusters_resplit == 1
    assert labels[0] == labels[1] == labels[2] != labels[3]


def test_int32_positions_in_either_order_cluster_as_int64_ordered_pairs_do():
    rng = np.random.default_rng(8)
    n = 300
    df = pd.DataFrame({"id": np.where(rng.random(n) < 0.3, rng.integers(0, 20, n), -1)})
    left, right = rng.integers(0, n, 3000), rng.integers(0, n, 3000)
    keep = left != right
    left, right = left[keep], right[keep]
    probability = rng.uniform(0.0, 1.0, left.size)
    weight = np.log2(probability / (1 - probability))
    settings = _settings(cannot_link=CannotLink(keys=(lambda frame: frame["id"].to_numpy(),)))
    ordered = cluster(n, np.minimum(left, right), np.maximum(left, right), probability, weight, df,
                      settings, min_support=0.3)
    compact = cluster(n, left.astype(np.int32), right.astype(np.int32), probability, weight, df,
                      settings, min_support=0.3)
    assert np.array_equal(ordered, compact)
    assert len(set(ordered.tolist())) < n


def test_pairs_between_components_change_nothing_even_when_clusters_are_reverified():
    rng = np.random.default_rng(4)
    n = 200
    ids = np.where(rng.random(n) < 0.4, rng.integers(0, 15, n), -1)
    df = pd.DataFrame({"id": ids})

    def different_ids(frame, left, right):
        values = frame["id"].to_numpy()
        return (values[left] >= 0) & (values[right] >= 0) & (values[left] != values[right])

    group = np.arange(n) // 5  # strong pairs only inside groups of five records
    inner = [(a, b) for a in range(n) for b in range(a + 1, n) if group[a] == group[b]]
    left = np.array([a for a, _ in inner])
    right = np.array([b for _, b in inner])
    probability = rng.uniform(0.2, 0.999, left.size)
    extra_left, extra_right = rng.integers(0, n, 2000), rng.integers(0, n, 2000)
    across = group[extra_left] != group[extra_right]
    extra_left, extra_right = extra_left[across], extra_right[across]
    extra_probability = rng.uniform(0.0, 0.5, extra_left.size)  # below the 0.9 threshold
    settings = _settings(cannot_link=different_ids)

    def run(lefts, rights, probabilities):
        stats = ClusterStats()
        weight = np.log2(probabilities / (1 - probabilities))
        labels = cluster(n, lefts, rights, probabilities, weight, df, settings, min_support=0.5,
                         stats=stats, cross_limit=1)
        return labels, stats

    alone, alone_stats = run(left, right, probability)
    mixed, mixed_stats = run(np.concatenate((left, extra_left)), np.concatenate((right, extra_right)),
                             np.concatenate((probability, extra_probability)))
    assert alone_stats.clusters_reverified > 0 and len(set(alone.tolist())) < n
    assert np.array_equal(alone, mixed)
    assert alone_stats.merges == mixed_stats.merges


def test_best_first_rank_gives_positions_their_place_in_the_order():
    rank = best_first_rank(np.array([40, 7, 12, 3]))
    assert rank(np.array([3, 7, 8, 12, 40, 99])).tolist() == [3, 1, 4, 2, 0, 4]
    assert best_first_rank(np.zeros(0, np.int64))(np.array([5])).tolist() == [0]


def _objective(**changes) -> LinkageSettings:
    return _settings(cluster_support="log_odds_sum", **changes)


def test_objective_splits_a_chain_the_mean_rule_merges():
    # A-B and B-C strong, A-C a clear non-match: the mean of the cross pairs (0.99, 1e-6) is
    # 0.495, above the mean rule's floor; their log-odds over the floor sum below zero
    edges = [(0, 1, 0.99), (1, 2, 0.985), (0, 2, 1e-6)]
    merged = _run(3, edges, _settings(), min_support=0.2)
    assert len(set(merged.tolist())) == 1
    split = _run(3, edges, _objective(support_floor=0.05))
    assert split[0] == split[1] != split[2]


def test_objective_keeps_a_weak_true_edge_the_mean_rule_refuses():
    # record 3 joins a person of three through one strong edge and two weak but supporting
    # pairs: mean (0.95 + 0.1 + 0.1) / 3 = 0.38 < 0.5, yet each is above the 0.05 floor
    edges = [(0, 1, 0.99), (1, 2, 0.99), (0, 2, 0.99), (2, 3, 0.95), (0, 3, 0.1), (1, 3, 0.1)]
    mean = _run(4, edges, _settings(), min_support=0.5)
    assert mean[0] == mean[1] == mean[2] != mean[3]
    objective = _run(4, edges, _objective(support_floor=0.05))
    assert len(set(objective.tolist())) == 1


def test_objective_counts_pairs_never_scored_against_a_merge():
    # two strong pairs joined by one strong edge; the three other cross pairs were never scored
    edges = [(0, 1, 0.99), (2, 3, 0.99), (1, 2, 0.95)]
    assert len(set(_run(4, edges, _objective(support_floor=0.05)).tolist())) == 1
    apart = _run(4, edges, _objective(support_floor=0.05, unscored_pair_weight=-3.0))
    assert apart[0] == apart[1] != apart[2] == apart[3]


def test_objective_never_puts_two_keys_or_a_predicate_conflict_in_one_cluster():
    rng = np.random.default_rng(11)
    for trial in range(20):
        n = int(rng.integers(20, 300))
        key = np.where(rng.random(n) < 0.4, rng.integers(0, 15, n), -1)
        group = rng.integers(0, 4, n)
        df = pd.DataFrame({"key": key, "group": group})

        def apart(frame, left, right):
            g = frame["group"].to_numpy()
            return ((g[left] == 0) & (g[right] == 3)) | ((g[left] == 3) & (g[right] == 0))

        m = int(rng.integers(n, 10 * n))
        left, right = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = left < right
        left, right = left[keep], right[keep]
        codes, first = np.unique(left * n + right, return_index=True)
        left, right = left[first], right[first]
        probability = rng.uniform(1e-6, 0.9999, left.size)
        weight = np.log2(probability / (1 - probability))
        settings = _objective(support_floor=float(rng.uniform(0.01, 0.5)),
                              unscored_pair_weight=float(rng.choice([0.0, -1.0])),
                              cannot_link=CannotLink(keys=(lambda frame: frame["key"].to_numpy(),),
                                                     predicate=apart))
        settings.match_threshold = float(rng.uniform(0.2, 0.9))
        labels = cluster(n, left, right, probability, weight, df, settings,
                         cross_limit=int(rng.choice([1, 20_000])))
        frame = pd.DataFrame({"label": labels, "key": key, "group": group})
        per_cluster = frame[frame["key"] >= 0].groupby("label")["key"].nunique()
        assert per_cluster.empty or per_cluster.max() <= 1
        groups = frame.groupby("label")["group"].agg(lambda g: {0, 3} <= set(g))
        assert not groups.any(), trial
