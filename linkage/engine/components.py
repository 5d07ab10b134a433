"""Connected components of the strong edges, the conflicts inside them, and the components
settled without the merge loop (linkage.engine.clustering).

Clusters never cross the connected components of the strong edges, so each component is
clustered on its own. In a component of at most SETTLE_LIMIT records every pair of records is
checked against cannot_link once, vectorized: when none conflicts and every scored pair inside
supports, no merge can be refused and the component is one cluster without the loop (most
components); otherwise the loop reads "does any cross pair conflict" from per-cluster bit sets
of the members' and their conflicting records' positions in the component instead of calling
the predicate.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from linkage.engine.blocking import window_pairs
from linkage.engine.parallel import CHUNKS
from linkage.engine.settings import PairPredicate

SETTLE_LIMIT = 64
"""Largest component settled without the loop (its record pairs are all checked for conflicts)."""
SUPPORT_MARGIN = 1e-9
"""A mean of probabilities in [0, 1] each at least min_support + SUPPORT_MARGIN is at least
min_support however its sum is rounded (a settled component has under SETTLE_LIMIT**2 pairs)."""


def strong_components(n: int, left: np.ndarray, right: np.ndarray, strong: np.ndarray) -> np.ndarray:
    """Connected component label per record of the ``strong`` pairs (a record without a strong
    pair is a component of its own)."""
    edges = np.flatnonzero(strong)
    graph = coo_matrix((np.ones(edges.size, dtype=bool), (left[edges], right[edges])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def pairs_within_components(component: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Positions of the pairs whose two records lie in one component (``CHUNKS.components``
    pairs at a time)."""
    within = np.zeros(left.size, dtype=bool)
    chunk = CHUNKS.components
    for start in range(0, left.size, chunk):
        part = slice(start, start + chunk)
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
    pairs in conflict (ascending positions, as the loop's cross checks order them). The
    components are checked a slice at a time, of about ``CHUNKS.settle`` record pairs."""
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
        last = first + max(int(np.searchsorted(np.cumsum(pairs[first:]), CHUNKS.settle, side="right")), 1)
        part = counts[first:last]
        rows = records[starts[first]:starts[last - 1] + counts[last - 1]]
        left, right = window_pairs(rows, np.cumsum(part) - part, part, part - 1)
        conflict = _conflicts(df, keys, predicate, left, right)
        conflict_left.append(left[conflict])
        conflict_right.append(right[conflict])
        first = last
    return position, np.concatenate(conflict_left), np.concatenate(conflict_right)


def settled_components(component: np.ndarray, lo: np.ndarray, probability: np.ndarray,
                       conflict_left: np.ndarray, min_support: float, cross_limit: float,
                       complete_only: bool = False) -> np.ndarray:
    """Per component: True when best-first merging makes it one cluster, known without the
    loop. ``lo`` and ``probability``: the scored pairs inside components; ``conflict_left``: a
    record of every pair in conflict of component_conflicts.

    That holds for a component of 2 to SETTLE_LIMIT records when every merge in it would be
    fully cross-checked (size**2 // 4 <= cross_limit), no two of its records conflict and each of
    its scored pairs supports (probability at least min_support + SUPPORT_MARGIN): then no merge
    is ever refused, so every strong edge between two of its clusters merges them.
    ``complete_only`` (pairs never scored count against a merge): also every record pair of
    the component was scored.
    """
    sizes = np.bincount(component)
    settled = (sizes >= 2) & (sizes <= SETTLE_LIMIT) & (sizes * sizes // 4 <= cross_limit)
    settled[component[lo[probability < min_support + SUPPORT_MARGIN]]] = False
    settled[component[conflict_left]] = False
    if complete_only:
        settled &= np.bincount(component[lo], minlength=sizes.size) == sizes * (sizes - 1) // 2
    return settled
