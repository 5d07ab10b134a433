"""Clusters from scored pairs: best-first constrained merging instead of connected components.

Connected components over pairs above the threshold chain namesakes into giant clusters
(A~B and B~C put A with C even when A-C was scored low or A and C carry two different valid
id numbers). Here the edges at or above ``settings.match_threshold`` are taken best first
(highest match weight), and the two clusters of an edge are merged of an edge only when

1. no cannot_link holds between a record of one and a record of the other:
   - constraints given as keys (``CannotLink(keys=...)``: two records conflict when both carry
     a key >= 0 and the keys differ) are checked exactly in O(1) through a per-cluster
     summary, the one key value the cluster carries (a conflict-free cluster never has two);
   - a general predicate (a plain callable ``settings.cannot_link``, or
     ``CannotLink.predicate``) is evaluated on every cross pair of the two clusters when
     |A| x |B| <= ``cross_limit`` (one vectorized call), else only on the scored cross pairs,
     and the merged cluster is marked unverified. The single edge itself is checked for all
     edges at once before the loop.
2. the merged cluster is supported (``settings.cluster_support``, a SupportRule): over the
   scored candidate pairs crossing the two clusters
   (found through the adjacency lists of the smaller cluster; pairs never scored carry no
   evidence), the mean match probability must reach ``min_support`` (default
   ``settings.review_floor``, at most the threshold: the cross pairs must on average not be
   clear non-matches; one person's records scored one against another are often weak, e.g.
   an abbreviated name with an age against a full name without birth, so demanding the
   merge threshold of every cross pair keeps one person apart). A chain A-B-C whose A-C
   pair was scored low is thus not
   merged. Merges of two singletons are the edge itself, always supported.
   Under "log_odds_sum" (correlation clustering on log-odds, merged best first) the rule is
   instead that the sum over the cross pairs of (match weight - log2 odds of the floor) is
   not negative: a weak true edge into a person whose other records support it merges, while
   one clear non-match among the cross pairs (a few bits below) outweighs weak supports.

After the loop every unverified cluster of at most ``verify_limit`` records has all its pairs
checked against the predicate; if one conflicts, its records are clustered again with full
cross checks, so the weakest links give way. Larger unverified clusters are counted in
``ClusterStats.clusters_too_large_to_verify`` (key constraints stay exact for them): give
hard constraints as keys. Rejected pairs of clusters are remembered until one of them changes.

Clusters never cross the connected components of the strong edges, so each component is
clustered on its own, and most are settled without the loop (linkage.engine.components). The
loop's state, disjoint sets with key and conflict summaries and the adjacency of the scored
pairs, is in linkage.engine.cluster_sets.

Cost: one sort of the edges, a Python loop over the edges above the threshold of the
components not settled with O(1) work per edge, and for merges involving a larger cluster
numpy work proportional to the scored pairs of the smaller one (small-into-large: O(E log n)
overall) plus the bounded predicate cross product in components too large to settle. Memory:
only the pairs inside one connected component of the strong edges are copied and put in the
adjacency.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from linkage.engine.cluster_sets import Adjacency, Clusters
from linkage.engine.constraints import bind
from linkage.engine.components import (component_conflicts, pairs_within_components, settled_components,
                                       strong_components)
from linkage.engine.settings import CannotLink, LinkageSettings, PairConstraints, PairPredicate

CROSS_LIMIT = 20_000
VERIFY_LIMIT = 3_000
SMALL_CLUSTER = 32
SMALL_DEGREE = 256


def _constraints(settings: LinkageSettings, df: pd.DataFrame
                 ) -> tuple[np.ndarray | None, PairPredicate | None]:
    """Key matrix (n_records, n_keys) and the general predicate of settings.cannot_link."""
    constraint = settings.cannot_link
    if constraint is None:
        return None, None
    if isinstance(constraint, CannotLink):
        keys = (np.stack([np.asarray(k(df), dtype=np.int64) for k in constraint.keys], axis=1)
                if constraint.keys else None)
        return keys, constraint.predicate
    return None, constraint


SUPPORT_RULES = ("mean_probability", "log_odds_sum")


@dataclass(frozen=True)
class SupportRule:
    """Whether the scored pairs crossing two clusters support their merge.

    ``kind`` "mean_probability": the mean probability reaches ``floor``; "log_odds_sum": the
    sum of the pairs' match weights less log2(floor / (1 - floor)) is not negative. ``values``
    turns the pairs' probabilities and weights into the per-pair values the rule sums or
    averages; ``settle_floor``: a component whose every value is at least it never refuses a
    merge for support (linkage.engine.components.settled_components)."""

    kind: str
    floor: float
    unscored_weight: float = 0.0
    """log_odds_sum: what a cross pair never scored (not a candidate) adds, in bits."""

    def __post_init__(self) -> None:
        if self.kind not in SUPPORT_RULES:
            raise ValueError(f"cluster_support must be one of {SUPPORT_RULES}, got {self.kind!r}")
        if self.kind == "log_odds_sum" and not 0.0 < self.floor < 1.0:
            raise ValueError(f"log_odds_sum needs a support floor in (0, 1), got {self.floor}")

    @property
    def settle_floor(self) -> float:
        return self.floor if self.kind == "mean_probability" else 0.0

    def values(self, probability: np.ndarray, weight: np.ndarray) -> np.ndarray:
        if self.kind == "mean_probability":
            return probability
        values = np.asarray(weight, dtype=np.float64).copy()
        values -= np.log2(self.floor / (1.0 - self.floor))
        return values

    @property
    def needs_all_pairs(self) -> bool:
        """Whether pairs never scored count (then only components whose every record pair was
        scored are settled without the loop)."""
        return self.kind == "log_odds_sum" and self.unscored_weight != 0.0

    def rejects(self, values: list[float], cross_pairs: int) -> bool:
        """``values`` of the scored cross pairs, of ``cross_pairs`` record pairs crossing."""
        if self.kind == "mean_probability":
            return bool(values) and sum(values) / len(values) < self.floor
        return sum(values) + (cross_pairs - len(values)) * self.unscored_weight < 0.0


@dataclass
class ClusterStats:
    """What clustering did."""

    edges_considered: int = 0
    merges: int = 0
    rejected_conflict: int = 0
    rejected_support: int = 0
    clusters_reverified: int = 0
    clusters_resplit: int = 0
    clusters_too_large_to_verify: int = 0
    seconds_loop: float = 0.0


def cluster(n_records: int, left: np.ndarray, right: np.ndarray, match_probability: np.ndarray,
            match_weight: np.ndarray, df: pd.DataFrame, settings: LinkageSettings,
            min_support: float | None = None, stats: ClusterStats | None = None,
            cross_limit: int = CROSS_LIMIT, verify_limit: int = VERIFY_LIMIT,
            constraints: PairConstraints | None = None) -> np.ndarray:
    """Cluster label (0..k-1, in order of first record) per record; see the module docstring.

    ``constraints``: pairs given as data, resolved by linkage.engine.constraints.resolve (the
    kept must-links are unbreakable edges, the cannot-links join the conflict predicate)."""
    stats = stats if stats is not None else ClusterStats()
    keys, predicate = _constraints(settings, df)
    if min_support is None:
        min_support = (settings.support_floor if settings.support_floor is not None
                       else min(settings.review_floor, settings.match_threshold))
    rule = SupportRule(settings.cluster_support, min_support, settings.unscored_pair_weight)
    if constraints is not None and not constraints.empty:  # the one hook: linkage.engine.constraints
        left, right, match_probability, match_weight, df, predicate = bind(
            n_records, left, right, match_probability, match_weight, df, predicate, constraints)
    roots = _merge(n_records, np.asarray(left), np.asarray(right),
                   np.asarray(match_probability, dtype=np.float64),
                   np.asarray(match_weight, dtype=np.float64), df, keys, predicate,
                   settings.match_threshold, rule, cross_limit, verify_limit, stats)
    return pd.factorize(roots)[0].astype(np.int64)


def _merge(n: int, left: np.ndarray, right: np.ndarray, probability: np.ndarray,
           weight: np.ndarray, df: pd.DataFrame, keys: np.ndarray | None,
           predicate: PairPredicate | None, threshold: float, rule: SupportRule,
           cross_limit: float, verify_limit: int, stats: ClusterStats,
           support: np.ndarray | None = None) -> np.ndarray:
    """Root record per record after best-first constrained merging (record positions of any
    integer dtype). ``support``: the pairs' rule values when already known (else
    ``rule.values`` of their probabilities and weights)."""
    # Two clusters merge only over a strong edge, so every cluster lies inside one connected
    # component of the strong edges, and so does every pair crossing two clusters being merged
    # or lying inside a cluster: the loop, the adjacency and the re-verification need no pair
    # between two components, and those (most pairs) are never copied.
    component = strong_components(n, left, right, probability >= threshold)
    within = pairs_within_components(component, left, right)
    lo, hi = left[within], right[within]
    np.minimum(lo, right[within], out=lo)
    np.maximum(hi, left[within], out=hi)
    probability = probability[within]
    support = (rule.values(probability, weight[within]) if support is None else support[within])
    # strong edges best first; the weights serve only this order (and, through it, the
    # re-verification's), so they are never copied for the other pairs
    strong = np.flatnonzero(probability >= threshold)
    strong = strong[np.argsort(-weight[within[strong]], kind="stable")]
    del within
    # components that become one cluster whatever the order are settled here; the loop takes
    # the strong edges of the others (each component's clusters evolve on their own)
    position, conflict_left, conflict_right = component_conflicts(component, df, keys, predicate)
    settled = settled_components(component, lo, support, conflict_left, rule.settle_floor, cross_limit,
                                 complete_only=rule.needs_all_pairs)
    in_settled = settled[component[lo[strong]]]
    stats.edges_considered += int(np.count_nonzero(in_settled))
    stats.merges += int((np.bincount(component)[settled] - 1).sum())
    edges = strong[~in_settled]
    adjacency = Adjacency.build(n, lo, hi, support)
    edge_conflict = (np.asarray(predicate(df, lo[edges], hi[edges]), dtype=bool)
                     if predicate is not None and edges.size else np.zeros(edges.size, bool))
    clusters = Clusters(n, keys)
    if predicate is not None:
        clusters.know_conflicts(position, conflict_left, conflict_right)
    rejected: dict[tuple[int, int], tuple[int, int]] = {}
    started = time.perf_counter()
    root_of = clusters.root_of
    for a, b, conflict in zip(lo[edges].tolist(), hi[edges].tolist(), edge_conflict.tolist()):
        stats.edges_considered += 1
        ra, rb = root_of[a], root_of[b]
        if ra == rb:
            continue
        if conflict or clusters.keys_conflict(ra, rb):
            stats.rejected_conflict += 1
            continue
        if clusters.size(ra) < clusters.size(rb):
            ra, rb = rb, ra
        size_a, size_b = clusters.size(ra), clusters.size(rb)
        verified = True
        if size_a > 1:
            pair_key = (min(ra, rb), max(ra, rb))
            versions = (clusters.version.get(pair_key[0], 0), clusters.version.get(pair_key[1], 0))
            if rejected.get(pair_key) == versions:
                continue
            verified = size_a * size_b <= cross_limit
            verdict = _cross_check(clusters, ra, rb, adjacency, rule,
                                   predicate, verified, df)
            if verdict:
                rejected[pair_key] = versions
                if verdict == "conflict":
                    stats.rejected_conflict += 1
                else:
                    stats.rejected_support += 1
                continue
        clusters.union(ra, rb, verified or predicate is None)
        stats.merges += 1
    stats.seconds_loop += time.perf_counter() - started
    roots = clusters.root_array
    settled_records = np.flatnonzero(settled[component])
    first_record = np.full(component.max(initial=-1) + 1, n, dtype=np.int64)
    np.minimum.at(first_record, component[settled_records], settled_records)
    roots[settled_records] = first_record[component[settled_records]]
    rank = best_first_rank(strong) if clusters.unverified else None
    for root in sorted(clusters.unverified):
        _reverify(np.asarray(clusters.members(root), dtype=np.int64), roots, lo, hi, probability,
                  support, rank, df, keys, predicate, threshold, rule, verify_limit, stats)
    return roots


def best_first_rank(order: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Function giving each position its index in ``order`` (distinct positions), and
    ``order.size`` to a position not in it."""
    by_position = np.argsort(order, kind="stable")
    sorted_positions = order[by_position]

    def rank(positions: np.ndarray) -> np.ndarray:
        index = np.searchsorted(sorted_positions, positions)
        found = index < order.size
        found[found] = sorted_positions[index[found]] == positions[found]
        ranks = np.full(positions.size, order.size, dtype=np.int64)
        ranks[found] = by_position[index[found]]
        return ranks

    return rank


def _cross_check(clusters: Clusters, big: int, small: int, adjacency: Adjacency,
                 rule: SupportRule, predicate: PairPredicate | None, all_pairs: bool,
                 df: pd.DataFrame) -> str:
    """'' when the two clusters may merge, else 'conflict' or 'support'.

    Support is ``rule`` over the values of the scored pairs crossing the clusters, found through
    the adjacency of the smaller one (plain Python when it is small, numpy otherwise). The
    predicate is checked on every cross pair when ``all_pairs`` (through the clusters' conflict
    summaries when their component's pairs were all checked), else on the scored cross pairs.
    """
    known = clusters.conflict_known(big, small) if predicate is not None and all_pairs else None
    if known:
        return "conflict"
    members = clusters.members(small)
    indptr = adjacency.indptr_list
    if len(members) <= SMALL_CLUSTER and \
            sum(indptr[m + 1] - indptr[m] for m in members) <= SMALL_DEGREE:
        found = _crossing_small(clusters, big, members, adjacency)
        probabilities = found[2]
    else:
        found = _crossing_numpy(clusters, big, members, adjacency)
        probabilities = found[2].tolist()
    if predicate is not None and known is None:
        if all_pairs:
            big_members = np.asarray(clusters.members(big), dtype=np.int64)
            small_members = np.asarray(members, dtype=np.int64)
            a = np.repeat(big_members, small_members.size)
            b = np.tile(small_members, big_members.size)
        else:
            a, b = np.asarray(found[0], dtype=np.int64), np.asarray(found[1], dtype=np.int64)
        if np.any(predicate(df, np.minimum(a, b), np.maximum(a, b))):
            return "conflict"
    if rule.rejects(probabilities, len(members) * clusters.size(big)):
        return "support"
    return ""


def _crossing_small(clusters: Clusters, big: int, members: list[int],
                    adjacency: Adjacency) -> tuple[list[int], list[int], list[float]]:
    """Scored pairs (small member, big member, probability) across the clusters, in Python."""
    indptr, root_of = adjacency.indptr_list, clusters.root_of
    owners, others, probabilities = [], [], []
    for member in members:
        start, stop = indptr[member], indptr[member + 1]
        # slices become lists per member: Python lists of every pair (both directions) would
        # hold a Python object per pair
        for other, probability in zip(adjacency.neighbour[start:stop].tolist(),
                                      adjacency.probability[start:stop].tolist()):
            if root_of[other] == big:
                owners.append(member)
                others.append(other)
                probabilities.append(probability)
    return owners, others, probabilities


def _crossing_numpy(clusters: Clusters, big: int, members: list[int], adjacency: Adjacency
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scored pairs (small member, big member, probability) across the clusters, vectorized."""
    owner, position = adjacency.around(np.asarray(members, dtype=np.int64))
    other = adjacency.neighbour[position]
    crossing = clusters.root_array[other] == big
    return owner[crossing], other[crossing], adjacency.probability[position[crossing]]


def _reverify(members: np.ndarray, roots: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              probability: np.ndarray, support: np.ndarray, rank: Callable[[np.ndarray], np.ndarray],
              df: pd.DataFrame, keys: np.ndarray | None, predicate: PairPredicate, threshold: float,
              rule: SupportRule, verify_limit: int, stats: ClusterStats) -> None:
    """Check every pair of a cluster merged without the full cross check; on a conflict,
    cluster its records again with full checks (its weakest links give way). The strong edges
    inside are taken in the order of the whole run (``rank``: best first)."""
    members = np.sort(members)
    size = members.size
    if size > verify_limit:
        stats.clusters_too_large_to_verify += 1
        return
    stats.clusters_reverified += 1
    a, b = np.triu_indices(size, k=1)
    if not np.any(predicate(df, members[a], members[b])):
        return
    stats.clusters_resplit += 1
    inside = np.flatnonzero(np.isin(lo, members) & np.isin(hi, members))
    local_lo = np.searchsorted(members, lo[inside])
    local_hi = np.searchsorted(members, hi[inside])
    local_df = df.iloc[members].reset_index(drop=True)
    local_keys = None if keys is None else keys[members]
    local_weight = -rank(inside).astype(np.float64)
    local_roots = _merge(size, local_lo, local_hi, probability[inside], local_weight, local_df,
                         local_keys, predicate, threshold, rule, np.inf, verify_limit, stats,
                         support=support[inside])
    roots[members] = members[local_roots]
