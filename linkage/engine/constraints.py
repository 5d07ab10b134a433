"""Pair constraints given as data (PairConstraints: people's decisions) resolved and bound into clustering.

Which wins when they contradict: ``LinkageSettings.cannot_link`` (e.g. two different valid id
numbers) > cannot-links > must-links. Must-links are taken in their given order and joined
with union-find; one whose two groups hold a record pair that is a cannot-link (reason
CANNOT_LINK) or conflicts under the settings (reason HARD) is set aside, so a chain of
must-links never joins a cannot-link pair. ``resolve`` says which were set aside.

``bind`` makes the kept must-links unbreakable edges: each is scored as certain (probability
1, weight MUST_WEIGHT), and so is every scored pair inside one must-link group, so clustering
takes them first, no conflict check can refuse them (their groups are conflict-free) and no
support rule does (every cross pair between parts of a group is certain). Cannot-links join
the conflict predicate beside the settings' and are added to the scored pairs (probability 0)
where missing, so every cross check sees them. The predicate finds records by ROW_COLUMN, a
column of row positions bound onto a shallow copy of the frame (clustering re-verifies on
sub-frames).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from linkage.engine.settings import CannotLink, PairConstraints, PairPredicate

HARD = "conflicts_with_hard_constraint"
CANNOT_LINK = "chain_joins_cannot_link"
MUST_WEIGHT = 1.0e6
"""Match weight (bits) of a must-link edge: above any model's, so taken first."""
ROW_COLUMN = "__constraint_row__"


@dataclass(frozen=True)
class Resolution:
    """The must-links kept and the positions (in PairConstraints.must_link) of those set aside, with reasons."""

    kept: PairConstraints
    set_aside: np.ndarray
    reasons: list[str]


def _pair_codes(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    a, b = np.asarray(left, np.int64), np.asarray(right, np.int64)
    return np.minimum(a, b) * n + np.maximum(a, b)


def _contains(sorted_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    index = np.searchsorted(sorted_codes, codes)
    found = index < sorted_codes.size
    found[found] = sorted_codes[index[found]] == codes[found]
    return found


def resolve(df: pd.DataFrame, hard: CannotLink | PairPredicate | None,
            constraints: PairConstraints) -> Resolution:
    """Must-links in order through union-find, each set aside when its groups would hold a
    cannot-link pair or a pair ``hard`` rejects (see the module docstring)."""
    n = len(df)
    cannot = np.sort(_pair_codes(*constraints.cannot_link, n))
    hard = _with_keys_computed(df, hard)
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    kept_left, kept_right, set_aside, reasons = [], [], [], []
    for k, (a, b) in enumerate(zip(np.asarray(constraints.must_link[0]).tolist(),
                                   np.asarray(constraints.must_link[1]).tolist())):
        ra, rb = find(a), find(b)
        if ra != rb:
            group_a, group_b = members.get(ra, [ra]), members.get(rb, [rb])
            x = np.repeat(np.asarray(group_a, np.int64), len(group_b))
            y = np.tile(np.asarray(group_b, np.int64), len(group_a))
            if hard is not None and np.any(hard(df, np.minimum(x, y), np.maximum(x, y))):
                set_aside.append(k)
                reasons.append(HARD)
                continue
            if cannot.size and np.any(_contains(cannot, _pair_codes(x, y, n))):
                set_aside.append(k)
                reasons.append(CANNOT_LINK)
                continue
            parent[rb] = ra
            members[ra] = group_a + group_b
            members.pop(rb, None)
        kept_left.append(a)
        kept_right.append(b)
    kept = PairConstraints(must_link=(np.asarray(kept_left, np.int64), np.asarray(kept_right, np.int64)),
                           cannot_link=constraints.cannot_link)
    return Resolution(kept=kept, set_aside=np.asarray(set_aside, np.int64), reasons=reasons)


def _with_keys_computed(df: pd.DataFrame, hard: CannotLink | PairPredicate | None) -> PairPredicate | None:
    """``hard`` as a predicate whose key constraints are computed once for ``df``."""
    if not isinstance(hard, CannotLink):
        return hard
    keys = [np.asarray(key_fn(df), dtype=np.int64) for key_fn in hard.keys]

    def conflicts(frame: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        conflict = np.zeros(np.asarray(left).size, dtype=bool)
        for key in keys:
            a, b = key[left], key[right]
            conflict |= (a >= 0) & (b >= 0) & (a != b)
        if hard.predicate is not None:
            conflict |= np.asarray(hard.predicate(frame, left, right), dtype=bool)
        return conflict

    return conflicts


class _WithCannotLinks:
    """The settings' predicate or a cannot-link pair (records found through ROW_COLUMN)."""

    def __init__(self, base: PairPredicate | None, codes: np.ndarray, n: int):
        self.base, self.codes, self.n = base, codes, n

    def __call__(self, df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        rows = df[ROW_COLUMN].to_numpy(dtype=np.int64)
        conflict = _contains(self.codes, _pair_codes(rows[left], rows[right], self.n))
        if self.base is not None:
            conflict |= np.asarray(self.base(df, left, right), dtype=bool)
        return conflict


def bind(n: int, left: np.ndarray, right: np.ndarray, probability: np.ndarray, weight: np.ndarray,
         df: pd.DataFrame, predicate: PairPredicate | None, constraints: PairConstraints
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.DataFrame, PairPredicate | None]:
    """The scored pairs, frame and predicate clustering uses with resolved ``constraints``
    bound in (see the module docstring); the inputs are not modified."""
    must_left, must_right = (np.asarray(side, np.int64) for side in constraints.must_link)
    cannot_left, cannot_right = (np.asarray(side, np.int64) for side in constraints.cannot_link)
    left, right = np.asarray(left, np.int64), np.asarray(right, np.int64)
    probability = np.array(probability, dtype=np.float64)
    weight = np.array(weight, dtype=np.float64)
    if must_left.size:
        graph = coo_matrix((np.ones(must_left.size, bool), (must_left, must_right)), shape=(n, n))
        group = connected_components(graph, directed=False)[1]
        in_group = np.bincount(group, minlength=n)[group] > 1
        inside = in_group[left] & (group[left] == group[right])
        probability[inside], weight[inside] = 1.0, MUST_WEIGHT
    scored = np.sort(_pair_codes(left, right, n))
    extra_left, extra_right, extra_probability, extra_weight = [], [], [], []
    for a, b, p, w in ((must_left, must_right, 1.0, MUST_WEIGHT), (cannot_left, cannot_right, 0.0, -MUST_WEIGHT)):
        codes = np.unique(_pair_codes(a, b, n))
        missing = codes[~_contains(scored, codes)]
        extra_left.append(missing // n)
        extra_right.append(missing % n)
        extra_probability.append(np.full(missing.size, p))
        extra_weight.append(np.full(missing.size, w))
    left = np.concatenate([left, *extra_left])
    right = np.concatenate([right, *extra_right])
    probability = np.concatenate([probability, *extra_probability])
    weight = np.concatenate([weight, *extra_weight])
    if cannot_left.size:
        df = df.copy(deep=False)
        df[ROW_COLUMN] = np.arange(n, dtype=np.int64)
        predicate = _WithCannotLinks(predicate, np.unique(_pair_codes(cannot_left, cannot_right, n)), n)
    return left, right, probability, weight, df, predicate
