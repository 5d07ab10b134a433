"""The settings object that drives the generic linkage engine: comparisons, blocking, thresholds."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

ComparisonFn = Callable[[pd.DataFrame, np.ndarray, np.ndarray], np.ndarray]
"""(frame, left row positions, right row positions) -> int8 level per pair.

-1 means a side is missing (the comparison carries no weight), 0 is the "else" level
(disagreement), higher values are stronger agreement."""

KeyFn = Callable[[pd.DataFrame], np.ndarray]
"""frame -> int64 blocking code per row; -1 means the row has no key under this rule."""

PairPredicate = Callable[[pd.DataFrame, np.ndarray, np.ndarray], np.ndarray]
"""(frame, left, right) -> bool per pair."""


@dataclass(frozen=True)
class Comparison:
    """One multi-level comparison of a pair of records."""

    name: str
    levels: tuple[str, ...]
    fn: ComparisonFn
    tf_column: str | None = None
    tf_levels: tuple[int, ...] = ()
    fixed_m_u: dict[int, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class BlockingRule:
    """Records sharing a key become candidate pairs; oversize blocks are split on split_key
    (and on each of extra_split_keys).

    ``involves``: names of the comparisons the key determines; the rule's EM session does not
    train them. ``split_involves``: those the split key determines in oversize blocks; the
    session trains them only where enough of its pairs disagree on them
    (linkage.engine.fs.training.free_comparisons). ``involves`` None: every comparison gets that
    test (for rules whose involvement is not declared)."""

    name: str
    key: KeyFn
    split_key: KeyFn | None = None
    involves: tuple[str, ...] | None = None
    split_involves: tuple[str, ...] = ()
    extra_split_keys: tuple[KeyFn, ...] = ()
    """Further split keys for oversize blocks: such a block is split on ``split_key`` and on
    each of these, and the pairs of all the splits are united (overlapping windows, e.g.
    birth-year buckets shifted by half their width, so two records a year or two apart share
    a sub-block under at least one split). Blocks within the cap are unaffected."""


@dataclass(frozen=True)
class CannotLink:
    """Pairs that are never one person: key constraints and an optional general predicate.

    ``keys``: two records conflict when both carry a key >= 0 under one of them and the keys
    differ (clustering checks them exactly through per-cluster summaries). ``predicate``: any
    other rule, checked on the pairs crossing two clusters (linkage.engine.clustering)."""

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


@dataclass(frozen=True)
class PairConstraints:
    """Pairs of records (row positions) given as data, e.g. people's decisions.

    ``must_link``: (left, right) pairs that end in one cluster, in order of priority (when two
    contradict, the earlier wins); ``cannot_link``: pairs that never do. Both yield to
    ``LinkageSettings.cannot_link`` (linkage.engine.constraints states the rule)."""

    must_link: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    cannot_link: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))

    @property
    def empty(self) -> bool:
        return not (np.asarray(self.must_link[0]).size or np.asarray(self.cannot_link[0]).size)


@dataclass
class LinkageSettings:
    """Everything the engine needs to link one table (dedupe) or two tables (link only)."""

    comparisons: list[Comparison]
    blocking_rules: list[BlockingRule]
    block_cap: int = 500
    link_only_column: str | None = None
    cannot_link: CannotLink | PairPredicate | None = None
    """Pairs never merged into one cluster: a CannotLink (key constraints checked exactly, and a
    predicate), a plain predicate (taken as ``CannotLink(predicate=...)``), or None."""
    match_threshold: float = 0.95
    review_floor: float = 0.5
    pairs_floor: float = 0.01
    max_em_iterations: int = 50
    u_sample_size: int = 1_000_000
    seed: int = 42
    identifier: tuple[str, tuple[int, ...]] | None = None
    """(comparison name, its agreement levels) of an identifier (an id number): agreeing on it
    almost always means a match, so among a session's pairs where it is present the agreeing
    share estimates the session's match share without EM. A session whose EM match share
    strays from it by more than ``identifier_max_log_odds_gap`` has latched onto something
    else (namesakes) and does not train m (linkage.engine.fs.training.train_from_patterns)."""
    identifier_max_log_odds_gap: float = 0.5
    identifier_min_pairs: int = 100
    cluster_support: str = "mean_probability"
    """How clustering decides that two clusters joined by a strong edge may merge
    (linkage.engine.clustering): "mean_probability", the mean match probability of the scored
    pairs crossing them reaches the support floor; "log_odds_sum", the correlation-clustering
    objective: the sum over those pairs of (match weight - log2 odds of the support floor) is
    not negative, so many moderately supporting cross pairs outvote one weak one and one
    clear non-match outweighs several weak supports."""
    support_floor: float | None = None
    """The support floor of cluster_support: None = min(review_floor, match_threshold)."""
    unscored_pair_weight: float = 0.0
    """log_odds_sum: bits each record pair crossing the two clusters that was never scored (no
    blocking rule made it a candidate) adds to the sum; negative counts such pairs as weak
    evidence against the merge (chains of namesakes share few keys across their ends)."""
    prior_groups: KeyFn | None = None
    """record -> category code (0, 1, ...; -1 counts as a category of its own): the prior is
    estimated per unordered pair of categories (linkage.engine.fs.prior.group_priors) and
    each pair is scored with its group's. None: one prior for all pairs."""
