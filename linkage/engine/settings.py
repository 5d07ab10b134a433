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
    """Records sharing a key become candidate pairs; oversize blocks are split on split_key.

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
    prior_groups: KeyFn | None = None
    """record -> category code (0, 1, ...; -1 counts as a category of its own): the prior is
    estimated per unordered pair of categories (linkage.engine.fs.prior.group_priors) and
    each pair is scored with its group's. None: one prior for all pairs."""
