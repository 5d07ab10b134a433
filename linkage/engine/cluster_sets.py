"""The state of the merge loop (linkage.engine.clustering): the clusters as disjoint sets with
key and conflict summaries, and the scored pairs as an adjacency grouped by record.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class Clusters:
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


@dataclass(frozen=True)
class Adjacency:
    """Every scored pair in both directions, grouped by record (CSR)."""

    indptr: np.ndarray
    neighbour: np.ndarray
    probability: np.ndarray
    indptr_list: list[int]

    @classmethod
    def build(cls, n: int, lo: np.ndarray, hi: np.ndarray, probability: np.ndarray) -> "Adjacency":
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
