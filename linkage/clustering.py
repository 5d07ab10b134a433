"""Clusters from scored pairs: best-first constrained merging instead of connected components.

Connected components over pairs above the threshold chain namesakes into giant clusters
(A~B and B~C put A with C even when A-C was scored low or A and C carry two different valid
id numbers). Here the edges at or above ``settings.match_threshold`` are taken best first
(highest match weight), and a union-find merges the two clusters of an edge only when

1. no cannot_link holds between any record of one and any record of the other:
   - constraints given as keys (``CannotLink(keys=...)``: two records conflict when both carry
     a key >= 0 and the keys differ) are checked in O(1) through a per-cluster summary, the
     one key value the cluster carries (a conflict-free cluster never carries two);
   - a general predicate is evaluated on every cross pair of the two clusters, in one
     vectorized call. Across a whole run that is at most the number of within-cluster pairs
     of the final clusters, plus the rejected attempts (each rejected pair of clusters is
     remembered until one of them changes). A plain callable ``settings.cannot_link`` is
     treated as a general predicate; the single edge itself is checked for all edges at once.
2. the merged cluster is supported: over the scored candidate pairs crossing the two clusters
   (pairs never scored carry no evidence), the mean match probability must reach
   ``min_support`` (default ``settings.match_threshold``). A chain A-B-C whose A-C pair was
   scored low is thus not merged. Merges of two singletons are the edge itself, always
   supported.

Because every merge is checked against all cross pairs, no final cluster contains a conflict,
so no after-the-fact splitting is needed. Cost: one sort of the edges, a Python loop over the
edges above the threshold with O(1) union-find work for singleton merges, and vectorized
numpy lookups (``searchsorted`` into the sorted pair codes) for merges of larger clusters.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.settings import KeyFn, LinkageSettings, PairPredicate


@dataclass(frozen=True)
class CannotLink:
    """cannot_link made of key constraints (checked through cluster summaries) and an optional
    general predicate (checked on cross pairs)."""

    keys: tuple[KeyFn, ...] = ()
    predicate: PairPredicate | None = None

    def __call__(self, df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        conflict = np.zeros(np.asarray(left).size, dtype=bool)
        for key_fn in self.keys:
            key = np.asarray(key_fn(df), dtype=np.int64)
            a, b = key[left], key[right]
            conflict |= (a >= 0) & (b >= 0) & (a != b)
        if self.predicate is not None:
            conflict |= np.asarray(self.predicate(df, left, right), dtype=bool)
        return conflict


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
    """Union-find with member lists, key summaries and a version per root."""

    def __init__(self, n: int, keys: np.ndarray | None):
        self.parent = list(range(n))
        self.members: list[list[int] | None] = [[i] for i in range(n)]
        self.version = [0] * n
        self.keys = None if keys is None else [row for row in keys.tolist()]

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def keys_conflict(self, a: int, b: int) -> bool:
        if self.keys is None:
            return False
        return any(x >= 0 and y >= 0 and x != y for x, y in zip(self.keys[a], self.keys[b]))

    def union(self, a: int, b: int) -> None:
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a].extend(self.members[b])
        self.members[b] = None
        self.version[a] += 1
        if self.keys is not None:
            self.keys[a] = [x if x >= 0 else y for x, y in zip(self.keys[a], self.keys[b])]


@dataclass
class ClusterStats:
    """What clustering did."""

    edges_considered: int = 0
    merges: int = 0
    rejected_conflict: int = 0
    rejected_support: int = 0
    seconds_loop: float = 0.0


def cluster(n_records: int, left: np.ndarray, right: np.ndarray, match_probability: np.ndarray,
            match_weight: np.ndarray, df: pd.DataFrame, settings: LinkageSettings,
            min_support: float | None = None, stats: ClusterStats | None = None) -> np.ndarray:
    """Cluster label (0..k-1, by first record) per record; see the module docstring."""
    import time

    stats = stats if stats is not None else ClusterStats()
    min_support = settings.match_threshold if min_support is None else min_support
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    probability = np.asarray(match_probability, dtype=np.float64)
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    codes = lo * n_records + hi
    code_order = np.argsort(codes, kind="stable")
    sorted_codes, sorted_probability = codes[code_order], probability[code_order]

    keys, predicate = _constraints(settings, df)
    strong = np.flatnonzero(probability >= settings.match_threshold)
    strong = strong[np.argsort(-np.asarray(match_weight)[strong], kind="stable")]
    edge_conflict = (np.asarray(predicate(df, lo[strong], hi[strong]), dtype=bool)
                     if predicate is not None and strong.size else np.zeros(strong.size, bool))
    clusters = _Clusters(n_records, keys)
    rejected: dict[tuple[int, int], tuple[int, int]] = {}
    started = time.perf_counter()
    for a, b, conflict in zip(lo[strong].tolist(), hi[strong].tolist(), edge_conflict.tolist()):
        stats.edges_considered += 1
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb:
            continue
        if conflict or clusters.keys_conflict(ra, rb):
            stats.rejected_conflict += 1
            continue
        members_a, members_b = clusters.members[ra], clusters.members[rb]
        if len(members_a) > 1 or len(members_b) > 1:
            pair_key = (min(ra, rb), max(ra, rb))
            versions = (clusters.version[pair_key[0]], clusters.version[pair_key[1]])
            if rejected.get(pair_key) == versions:
                continue
            verdict = _cross_check(members_a, members_b, n_records, sorted_codes,
                                   sorted_probability, min_support, predicate, df)
            if verdict:
                rejected[pair_key] = versions
                if verdict == "conflict":
                    stats.rejected_conflict += 1
                else:
                    stats.rejected_support += 1
                continue
        clusters.union(ra, rb)
        stats.merges += 1
    stats.seconds_loop = time.perf_counter() - started
    roots = np.fromiter((clusters.find(i) for i in range(n_records)), dtype=np.int64,
                        count=n_records)
    return pd.factorize(roots)[0].astype(np.int64)


def _cross_check(members_a: list[int], members_b: list[int], n_records: int,
                 sorted_codes: np.ndarray, sorted_probability: np.ndarray, min_support: float,
                 predicate: PairPredicate | None, df: pd.DataFrame) -> str:
    """'' when the two clusters may merge, else 'conflict' or 'support'."""
    a = np.repeat(np.asarray(members_a, dtype=np.int64), len(members_b))
    b = np.tile(np.asarray(members_b, dtype=np.int64), len(members_a))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    if predicate is not None and np.any(predicate(df, lo, hi)):
        return "conflict"
    codes = lo * n_records + hi
    position = np.searchsorted(sorted_codes, codes)
    position = np.minimum(position, sorted_codes.size - 1)
    scored = sorted_codes[position] == codes
    if scored.any() and sorted_probability[position[scored]].mean() < min_support:
        return "support"
    return ""
