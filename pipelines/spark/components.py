"""Distributed connected components by alternating large-star / small-star (Kiveris et al. 2014).

Plain min-label propagation needs as many rounds as the longest shortest path (a chain of
n records takes n rounds); large-star / small-star contracts the graph to one star per
component in O(log^2 n) rounds. Edge sets stay oriented (larger id, smaller id).
"""
from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

MAX_ROUNDS = 200


def _persist(frame: DataFrame) -> DataFrame:
    """Cut the lineage of an iteration: a reliable checkpoint when a checkpoint dir is set, else local."""
    spark = frame.sparkSession
    if spark.sparkContext.getCheckpointDir():
        return frame.checkpoint(eager=True)
    return frame.localCheckpoint(eager=True)


def _oriented(frame: DataFrame, a: str, b: str) -> DataFrame:
    """Edges (big, small) without self loops or duplicates."""
    return (
        frame.where(F.col(a) != F.col(b))
        .select(F.greatest(a, b).alias("big"), F.least(a, b).alias("small"))
        .distinct()
    )


def _large_star(edges: DataFrame) -> DataFrame:
    """Every node links its larger neighbours to the minimum of its closed neighbourhood."""
    both = edges.select(F.col("big").alias("u"), F.col("small").alias("v")).unionByName(
        edges.select(F.col("small").alias("u"), F.col("big").alias("v"))
    )
    neighbourhood_min = both.groupBy("u").agg(F.min("v").alias("m"))
    linked = (
        both.join(neighbourhood_min, "u")
        .where(F.col("v") > F.col("u"))
        .select(F.col("v").alias("big"), F.least("m", "u").alias("small"))
    )
    return linked.distinct()


def _small_star(edges: DataFrame) -> DataFrame:
    """Every node links itself and its smaller neighbours to the minimum of those neighbours."""
    smaller_min = edges.groupBy("big").agg(F.min("small").alias("m"))
    from_neighbours = edges.join(smaller_min, "big").select(F.col("small").alias("x"), F.col("m").alias("y"))
    from_node = smaller_min.select(F.col("big").alias("x"), F.col("m").alias("y"))
    return _oriented(from_neighbours.unionByName(from_node), "x", "y")


def _is_star_forest(edges: DataFrame) -> bool:
    """True when every leaf has one centre and no centre is itself a leaf (centres < leaves)."""
    roles = edges.select(F.col("big").alias("node"), F.lit(1).alias("as_leaf"), F.lit(0).alias("as_centre")).unionByName(
        edges.select(F.col("small").alias("node"), F.lit(0).alias("as_leaf"), F.lit(1).alias("as_centre"))
    )
    per_node = roles.groupBy("node").agg(F.sum("as_leaf").alias("parents"), F.max("as_centre").alias("centre"))
    violations = per_node.where((F.col("parents") > 1) | ((F.col("parents") > 0) & (F.col("centre") == 1)))
    return violations.limit(1).count() == 0


def connected_components(edges: DataFrame, src: str = "src", dst: str = "dst") -> DataFrame:
    """(node, component) for every node on an edge; component = smallest node id of its component.

    Nodes are integer ids (long). Nodes without edges are not in the result: the caller gives
    them their own id as component.
    """
    typed = edges.select(F.col(src).cast("long").alias("a"), F.col(dst).cast("long").alias("b"))
    current = _persist(_oriented(typed, "a", "b"))
    for _ in range(MAX_ROUNDS):
        current = _persist(_large_star(current))
        if _is_star_forest(current):
            leaves = current.select(F.col("big").alias("node"), F.col("small").alias("component"))
            centres = current.select(F.col("small").alias("node"), F.col("small").alias("component")).distinct()
            return leaves.unionByName(centres)
        current = _persist(_small_star(current))
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")


def component_of_every_node(nodes: DataFrame, edges: DataFrame,
                            node: str = "node", src: str = "src", dst: str = "dst") -> DataFrame:
    """(node, component) for every row of `nodes`, singletons being their own component."""
    components = connected_components(edges, src, dst)
    return (
        nodes.select(F.col(node).cast("long").alias("node"))
        .join(components, "node", "left")
        .select("node", F.coalesce("component", "node").alias("component"))
    )
