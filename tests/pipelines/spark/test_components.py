"""Large-star / small-star connected components against scipy, on a long chain and random graphs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components

pytest.importorskip("pyspark")

from pipelines.spark.components import component_of_every_node, connected_components  # noqa: E402



def _scipy_min_labels(n_nodes: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Per node, the smallest node id of its component."""
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n_nodes, n_nodes))
    _, labels = scipy_components(graph, directed=False)
    smallest = pd.Series(np.arange(n_nodes)).groupby(labels).transform("min").to_numpy()
    return smallest


def _spark_labels(spark, n_nodes: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    edges = spark.createDataFrame(pd.DataFrame({"src": src.astype("int64"), "dst": dst.astype("int64")}))
    nodes = spark.range(n_nodes).withColumnRenamed("id", "node")
    result = component_of_every_node(nodes, edges).toPandas().sort_values("node")
    assert result["node"].tolist() == list(range(n_nodes))
    return result["component"].to_numpy()


def test_long_chain_in_shuffled_order_is_one_component(spark):
    n_nodes = 400
    order = np.random.default_rng(7).permutation(n_nodes)  # path visiting ids in random order
    src, dst = order[:-1], order[1:]
    labels = _spark_labels(spark, n_nodes, src, dst)
    assert (labels == _scipy_min_labels(n_nodes, src, dst)).all()
    assert set(labels.tolist()) == {0}


def test_random_graphs_match_scipy(spark):
    """Five random graphs around the percolation point, laid side by side in one Spark run."""
    rng = np.random.default_rng(11)
    offset, all_src, all_dst, expected = 0, [], [], []
    for _ in range(5):
        n_nodes = int(rng.integers(200, 500))
        n_edges = int(n_nodes * rng.uniform(0.4, 1.1))
        src = rng.integers(0, n_nodes, n_edges)
        dst = rng.integers(0, n_nodes, n_edges)
        graph_labels = _scipy_min_labels(n_nodes, src, dst)
        assert len(set(graph_labels.tolist())) > 10  # many components of many sizes
        all_src.append(src + offset)
        all_dst.append(dst + offset)
        expected.append(graph_labels + offset)
        offset += n_nodes
    labels = _spark_labels(spark, offset, np.concatenate(all_src), np.concatenate(all_dst))
    assert (labels == np.concatenate(expected)).all()


def test_components_cover_only_nodes_on_edges_with_large_ids(spark):
    big = 10**12
    edges = spark.createDataFrame(pd.DataFrame({"a": [big + 5, big + 3, 7], "b": [big + 3, big + 9, 8]}))
    result = connected_components(edges, "a", "b").toPandas().set_index("node")["component"].to_dict()
    assert result == {big + 3: big + 3, big + 5: big + 3, big + 9: big + 3, 7: 7, 8: 7}
