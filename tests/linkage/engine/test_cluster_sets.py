"""The merge loop's state: disjoint sets with key summaries, the adjacency of the scored pairs."""
import numpy as np

from linkage.engine.cluster_sets import Adjacency, Clusters


def test_clusters_keep_members_roots_versions_and_key_summaries():
    clusters = Clusters(4, np.array([[5], [-1], [7], [-1]]))
    assert not clusters.keys_conflict(0, 1) and clusters.keys_conflict(0, 2)
    clusters.union(0, 1, verified=True)
    assert clusters.members(0) == [0, 1] and clusters.size(0) == 2 and clusters.size(1) == 1
    assert clusters.root_of[1] == 0 and clusters.root_array.tolist() == [0, 0, 2, 3]
    clusters.union(3, 0, verified=False)
    assert clusters.members(3) == [3, 0, 1] and clusters.root_array.tolist() == [3, 3, 2, 3]
    assert clusters.version == {0: 1, 3: 1} and clusters.unverified == {3}
    assert clusters.keys_conflict(3, 2)  # record 3 took over the cluster's key 5


def test_adjacency_gives_every_scored_pair_of_the_members_in_both_directions():
    adjacency = Adjacency.build(4, np.array([0, 1]), np.array([1, 3]), np.array([0.9, 0.4]))
    owner, position = adjacency.around(np.array([1]))
    assert owner.tolist() == [1, 1]
    assert sorted(zip(adjacency.neighbour[position].tolist(), adjacency.probability[position].tolist())) == [
        (0, 0.9), (3, 0.4)]
    assert adjacency.indptr_list == [0, 1, 3, 3, 4]
