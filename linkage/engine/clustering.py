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
2. the merged cluster is supported: over the scored candidate pairs crossing the two clusters
   (found through the adjacency lists of the smaller cluster; pairs never scored carry no
   evidence), the mean match probability must reach ``min_support`` (default
   ``settings.review_floor``, at most the threshold: the cross pairs must on average not be
   clear non-matches; one person's records scored one against another are often weak, e.g.
   an abbreviated name with an age against a full name without birth, so demanding the
   merge threshold of every cross pair keeps one person apart). A chain A-B-C whose A-C
   pair was scored low is thus not
   merged. Merges of two singletons are the edge itself, always supported.

After the loop every unverified cluster of at most ``verify_limit`` records has all its pairs
checked against the predicate; if one conflicts, its records are clustered again with full
cross checks, so the weakest links give way. Larger unverified clusters are counted in
``ClusterStats.clusters_too_large_to_verify`` (key constraints stay exact for them): give
hard constraints as keys. Rejected pairs of clusters are remembered until one of them changes.

Clusters never cross the connected components of the strong edges, so each component is
clustered on its own. In a component of at most SETTLE_LIMIT records every pair of records is
checked against cannot_link once, vectorized: when none conflicts and every scored pair inside
supports, no merge can be refused and the component is one cluster without the loop (most
components); otherwise the loop reads "does any cross pair conflict" from per-cluster bit sets
of the members' and their conflicting records' positions in the component instead of calling
the predicate.

Cost: one sort of the edges, a Python loop over the edges above the threshold of the
components not settled with O(1) work per edge, and for merges involving a larger cluster
numpy work proportional to the scored pairs of the smaller one (small-into-large: O(E log n)
overall) plus the bounded predicate cross product in components past SETTLE_LIMIT. Memory:
only the pairs inside one connected component of the strong edges are copied and put in the
adjacency (at 100k roster records 5% of the candidate pairs).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from linkage.engine.blocking import window_pairs
from linkage.engine.settings import CannotLink, LinkageSettings, PairPredicate

CROSS_LIMIT = 20_000
VERIFY_LIMIT = 3_000
SMALL_CLUSTER = 32
SMALL_DEGREE = 256
COMPONENT_CHUNK = 1 << 24
"""Pairs per chunk when comparing the components of their two records."""
SETTLE_LIMIT = 64
"""Largest component settled without the loop (its record pairs are all checked for conflicts)."""
SETTLE_CHUNK = 1 << 20
"""Record pairs per step when checking components for conflicts."""
SUPPORT_MARGIN = 1e-9
"""A mean of probabilities in [0, 1] each at least min_support + SUPPORT_MARGIN is at least
min_support however its sum is rounded (a settled component has under SETTLE_LIMIT**2 pairs)."""


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


class _Clusters:
    """Disjoint sets with member lists (small merged into large, so every record's root label
    is kept current in O(n log n) overall), key summaries and a version per root. Only clusters
    of two or more records hold a member list and a version, so a record never merged costs no
    Python object."""

    def __init__(self, n: int, keys: np.ndarray | None):
        self.merged: dict[int, list[int]] = {}
        self.version: dict[int, int] = {}
        self.root_of = list(range(n))
        self.root_array = np.arange(n, dtype=np.int64)
        self.unverified: set[int] = set()
        self.key_columns = [] if keys is None else [keys[:, j].tolist() for j in range(keys.shape[1])]
        self.position: list[int] | None = None
        self.member_bits: dict[int, int] = {}
        self.partners: dict[int, int] = {}

    def know_conflicts(self, position: np.ndarray, left: np.ndarray, right: np.ndarray) -> None:
        """Conflict summaries for the records with a ``position`` in their component (0..63, -1
        for none) whose record pairs were all checked, ``left``/``right`` being those in
        conflict: a cluster's bits of its members' positions and of the positions of the
        records in conflict with one of them."""
        self.position = position.tolist()
        for a, b in zip(left.tolist(), right.tolist()):
            self.partners[a] = self.partners.get(a, 0) | 1 << self.position[b]
            self.partners[b] = self.partners.get(b, 0) | 1 << self.position[a]

    def bits(self, root: int) -> int:
        return self.member_bits.get(root) or 1 << self.position[root]

    def conflict_known(self, a: int, b: int) -> bool | None:
        """Whether a record of cluster ``a`` conflicts with one of ``b`` when their component's
        pairs were all checked, else None."""
        if self.position is None or self.position[a] < 0:
            return None
        return bool(self.partners.get(a, 0) & self.bits(b))

    def members(self, root: int) -> list[int]:
        return self.merged.get(root) or [root]

    def size(self, root: int) -> int:
        members = self.merged.get(root)
        return 1 if members is None else len(members)

    def keys_conflict(self, a: int, b: int) -> bool:
        for column in self.key_columns:
            x, y = column[a], column[b]
            if x >= 0 and y >= 0 and x != y:
                return True
        return False

    def union(self, big: int, small: int, verified: bool) -> None:
        root_of = self.root_of
        small_members = self.merged.pop(small, None) or [small]
        for member in small_members:
            root_of[member] = big
        if len(small_members) == 1:
            self.root_array[small_members[0]] = big
        else:
            self.root_array[small_members] = big
        self.merged.setdefault(big, [big]).extend(small_members)
        self.version[big] = self.version.get(big, 0) + 1
        if not verified or small in self.unverified:
            self.unverified.add(big)
        self.unverified.discard(small)
        for column in self.key_columns:
            if column[big] < 0:
                column[big] = column[small]
        if self.position is not None and self.position[big] >= 0:
            self.member_bits[big] = self.bits(big) | self.bits(small)
            self.member_bits.pop(small, None)
            partners = self.partners.pop(small, 0)
            if partners:
                self.partners[big] = self.partners.get(big, 0) | partners


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


@dataclass(frozen=True)
class _Adjacency:
    """Every scored pair in both directions, grouped by record (CSR)."""

    indptr: np.ndarray
    neighbour: np.ndarray
    probability: np.ndarray
    indptr_list: list[int]

    @classmethod
    def build(cls, n: int, lo: np.ndarray, hi: np.ndarray, probability: np.ndarray) -> "_Adjacency":
        source = np.concatenate((lo, hi))
        order = np.argsort(source, kind="stable")
        indptr = np.concatenate(([0], np.cumsum(np.bincount(source, minlength=n))))
        del source
        neighbour = np.concatenate((hi, lo))[order]
        probability = np.take(probability, order, mode="wrap")  # entry k of both halves
        return cls(indptr=indptr, neighbour=neighbour, probability=probability,
                   indptr_list=indptr.tolist())

    def around(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(member, position in neighbour/probability) of every scored pair of the members."""
        starts, counts = self.indptr[members], self.indptr[members + 1] - self.indptr[members]
        total = int(counts.sum())
        owner = np.repeat(members, counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        return owner, np.repeat(starts, counts) + np.arange(total) - first


def cluster(n_records: int, left: np.ndarray, right: np.ndarray, match_probability: np.ndarray,
            match_weight: np.ndarray, df: pd.DataFrame, settings: LinkageSettings,
            min_support: float | None = None, stats: ClusterStats | None = None,
            cross_limit: int = CROSS_LIMIT, verify_limit: int = VERIFY_LIMIT) -> np.ndarray:
    """Cluster label (0..k-1, in order of first record) per record; see the module docstring."""
    stats = stats if stats is not None else ClusterStats()
    keys, predicate = _constraints(settings, df)
    roots = _merge(n_records, np.asarray(left), np.asarray(right),
                   np.asarray(match_probability, dtype=np.float64),
                   np.asarray(match_weight, dtype=np.float64), df, keys, predicate,
                   settings.match_threshold,
                   min(settings.review_floor, settings.match_threshold) if min_support is None
                   else min_support,
                   cross_limit, verify_limit, stats)
    return pd.factorize(roots)[0].astype(np.int64)


def strong_components(n: int, left: np.ndarray, right: np.ndarray, strong: np.ndarray) -> np.ndarray:
    """Connected component label per record of the ``strong`` pairs (a record without a strong
    pair is a component of its own)."""
    edges = np.flatnonzero(strong)
    graph = coo_matrix((np.ones(edges.size, dtype=bool), (left[edges], right[edges])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def pairs_within_components(component: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Positions of the pairs whose two records lie in one component."""
    within = np.zeros(left.size, dtype=bool)
    for start in range(0, left.size, COMPONENT_CHUNK):
        part = slice(start, start + COMPONENT_CHUNK)
        within[part] = component[left[part]] == component[right[part]]
    return np.flatnonzero(within)


def _conflicts(df: pd.DataFrame, keys: np.ndarray | None, predicate: PairPredicate | None,
               left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """cannot_link (key constraints and predicate) per pair."""
    conflict = np.zeros(left.size, dtype=bool)
    for column in () if keys is None else keys.T:
        a, b = column[left], column[right]
        conflict |= (a >= 0) & (b >= 0) & (a != b)
    if predicate is not None and left.size:
        conflict |= np.asarray(predicate(df, left, right), dtype=bool)
    return conflict


def component_conflicts(component: np.ndarray, df: pd.DataFrame, keys: np.ndarray | None,
                        predicate: PairPredicate | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of records of every component of 2 to SETTLE_LIMIT records checked for
    cannot_link: each record's position in its component (-1 in other components) and the
    pairs in conflict (ascending positions, as the loop's cross checks order them)."""
    sizes = np.bincount(component)
    records = np.flatnonzero((sizes >= 2)[component] & (sizes <= SETTLE_LIMIT)[component])
    records = records[np.argsort(component[records], kind="stable")]
    _, counts = np.unique(component[records], return_counts=True)
    starts = np.cumsum(counts) - counts
    position = np.full(component.size, -1, dtype=np.int64)
    position[records] = np.arange(records.size) - np.repeat(starts, counts)
    pairs = counts * (counts - 1) // 2
    conflict_left, conflict_right = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    first = 0
    while first < counts.size:  # a slice of components at a time
        last = first + max(int(np.searchsorted(np.cumsum(pairs[first:]), SETTLE_CHUNK, side="right")), 1)
        part = counts[first:last]
        rows = records[starts[first]:starts[last - 1] + counts[last - 1]]
        left, right = window_pairs(rows, np.cumsum(part) - part, part, part - 1)
        conflict = _conflicts(df, keys, predicate, left, right)
        conflict_left.append(left[conflict])
        conflict_right.append(right[conflict])
        first = last
    return position, np.concatenate(conflict_left), np.concatenate(conflict_right)


def settled_components(component: np.ndarray, lo: np.ndarray, probability: np.ndarray,
                       conflict_left: np.ndarray, min_support: float, cross_limit: float) -> np.ndarray:
    """Per component: True when best-first merging makes it one cluster, known without the
    loop. ``lo`` and ``probability``: the scored pairs inside components; ``conflict_left``: a
    record of every pair in conflict of component_conflicts.

    That holds for a component of 2 to SETTLE_LIMIT records when every merge in it would be
    fully cross-checked (size**2 // 4 <= cross_limit), no two of its records conflict and each of
    its scored pairs supports (probability at least min_support + SUPPORT_MARGIN): then no merge
    is ever refused, so every strong edge between two of its clusters merges them.
    """
    sizes = np.bincount(component)
    settled = (sizes >= 2) & (sizes <= SETTLE_LIMIT) & (sizes * sizes // 4 <= cross_limit)
    settled[component[lo[probability < min_support + SUPPORT_MARGIN]]] = False
    settled[component[conflict_left]] = False
    return settled


def _merge(n: int, left: np.ndarray, right: np.ndarray, probability: np.ndarray,
           weight: np.ndarray, df: pd.DataFrame, keys: np.ndarray | None,
           predicate: PairPredicate | None, threshold: float, min_support: float,
           cross_limit: float, verify_limit: int, stats: ClusterStats) -> np.ndarray:
    """Root record per record after best-first constrained merging (record positions of any
    integer dtype)."""
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
    # strong edges best first; the weights serve only this order (and, through it, the
    # re-verification's), so they are never copied for the other pairs
    strong = np.flatnonzero(probability >= threshold)
    strong = strong[np.argsort(-weight[within[strong]], kind="stable")]
    del within
    # components that become one cluster whatever the order are settled here; the loop takes
    # the strong edges of the others (each component's clusters evolve on their own)
    position, conflict_left, conflict_right = component_conflicts(component, df, keys, predicate)
    settled = settled_components(component, lo, probability, conflict_left, min_support, cross_limit)
    in_settled = settled[component[lo[strong]]]
    stats.edges_considered += int(np.count_nonzero(in_settled))
    stats.merges += int((np.bincount(component)[settled] - 1).sum())
    edges = strong[~in_settled]
    adjacency = _Adjacency.build(n, lo, hi, probability)
    edge_conflict = (np.asarray(predicate(df, lo[edges], hi[edges]), dtype=bool)
                     if predicate is not None and edges.size else np.zeros(edges.size, bool))
    clusters = _Clusters(n, keys)
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
            verdict = _cross_check(clusters, ra, rb, adjacency, min_support,
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
                  rank, df, keys, predicate, threshold, min_support, verify_limit, stats)
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


def _cross_check(clusters: _Clusters, big: int, small: int, adjacency: _Adjacency,
                 min_support: float, predicate: PairPredicate | None, all_pairs: bool,
                 df: pd.DataFrame) -> str:
    """'' when the two clusters may merge, else 'conflict' or 'support'.

    Support is the mean probability of the scored pairs crossing the clusters, found through
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
    if probabilities and sum(probabilities) / len(probabilities) < min_support:
        return "support"
    return ""


def _crossing_small(clusters: _Clusters, big: int, members: list[int],
                    adjacency: _Adjacency) -> tuple[list[int], list[int], list[float]]:
    """Scored pairs (small member, big member, probability) across the clusters, in Python."""
    indptr, root_of = adjacency.indptr_list, clusters.root_of
    owners, others, probabilities = [], [], []
    for member in members:
        start, stop = indptr[member], indptr[member + 1]
        # slices become lists per member: Python lists of every pair would cost ~70 bytes
        # a pair (both directions), which at 1M rows is several GB
        for other, probability in zip(adjacency.neighbour[start:stop].tolist(),
                                      adjacency.probability[start:stop].tolist()):
            if root_of[other] == big:
                owners.append(member)
                others.append(other)
                probabilities.append(probability)
    return owners, others, probabilities


def _crossing_numpy(clusters: _Clusters, big: int, members: list[int], adjacency: _Adjacency
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scored pairs (small member, big member, probability) across the clusters, vectorized."""
    owner, position = adjacency.around(np.asarray(members, dtype=np.int64))
    other = adjacency.neighbour[position]
    crossing = clusters.root_array[other] == big
    return owner[crossing], other[crossing], adjacency.probability[position[crossing]]


def _reverify(members: np.ndarray, roots: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              probability: np.ndarray, rank: Callable[[np.ndarray], np.ndarray], df: pd.DataFrame,
              keys: np.ndarray | None, predicate: PairPredicate, threshold: float,
              min_support: float, verify_limit: int, stats: ClusterStats) -> None:
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
                         local_keys, predicate, threshold, min_support, np.inf, verify_limit, stats)
    roots[members] = members[local_roots]
