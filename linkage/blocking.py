"""Candidate pairs from blocking rules: numpy sort/factorize, capped blocks, never quadratic.

Each rule gives an int64 key per row (-1 = no key). Rows sharing a key form a block.
A block of at most ``cap`` rows yields all its pairs. A larger block is split on the rule's
``split_key`` (composite key: block, split key); a sub-block still larger than ``cap`` (or an
oversize block of a rule without split key) falls back to a sorted-neighbourhood window: each
row in split-key order is paired with its next ``window`` rows, so the work is O(n * window).
Pairs are deduplicated across rules (code left * n + right, sorted and deduplicated).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.settings import BlockingRule, KeyFn

DEFAULT_WINDOW = 50


@dataclass(frozen=True)
class RuleStats:
    """What one blocking rule produced."""

    rule: str
    pairs: int
    new_pairs: int
    blocks: int
    largest_block: int
    blocks_split: int
    windowed_rows: int


@dataclass(frozen=True)
class CandidatePairs:
    """Unique record pairs (row positions) with left < right, per-rule statistics, and per
    pair a bit mask of the rules that generated it (bit r = rules[r])."""

    left: np.ndarray
    right: np.ndarray
    stats: list[RuleStats] = field(default_factory=list)
    rule_mask: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.left.size)


def sorted_unique(codes: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: numpy 2's hash-based np.unique is slow on pair codes)."""
    codes = np.sort(codes)
    if codes.size == 0:
        return codes
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))]


def _group_bounds(sorted_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index and size of each run of equal values in a sorted array."""
    if sorted_codes.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    change = np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1
    starts = np.concatenate(([0], change)).astype(np.int64)
    sizes = np.diff(np.concatenate((starts, [sorted_codes.size]))).astype(np.int64)
    return starts, sizes


def window_pairs(rows: np.ndarray, starts: np.ndarray, sizes: np.ndarray,
                 window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair each row with its next ``window`` rows inside its group (vectorized).

    ``rows`` is ordered so that each group is contiguous; ``starts``/``sizes`` delimit the
    groups and ``window`` gives the per-group window (size - 1 means all pairs).
    """
    group_of = np.repeat(np.arange(starts.size), sizes)
    position = np.arange(rows.size, dtype=np.int64) - starts[group_of]
    counts = np.minimum(window[group_of], sizes[group_of] - 1 - position)
    counts = np.maximum(counts, 0)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    source = np.repeat(np.arange(rows.size, dtype=np.int64), counts)
    first_of_source = np.repeat(np.cumsum(counts) - counts, counts)
    offset = np.arange(total, dtype=np.int64) - first_of_source + 1
    return rows[source], rows[source + offset]


def _rule_pairs(df: pd.DataFrame, rule: BlockingRule, cap: int,
                window: int) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    keys = np.asarray(rule.key(df), dtype=np.int64)
    rows = np.flatnonzero(keys >= 0)
    order = rows[np.argsort(keys[rows], kind="stable")]
    starts, sizes = _group_bounds(keys[order])
    info = {"blocks": int(starts.size), "largest_block": int(sizes.max(initial=0)),
            "blocks_split": 0, "windowed_rows": 0}
    small = sizes <= cap
    small_mask = np.repeat(small, sizes)
    parts_left: list[np.ndarray] = []
    parts_right: list[np.ndarray] = []
    small_rows = order[small_mask]
    s_starts, s_sizes = _group_bounds(keys[small_rows])
    left, right = window_pairs(small_rows, s_starts, s_sizes, s_sizes - 1)
    parts_left.append(left)
    parts_right.append(right)
    if not small.all():
        big_rows = order[~small_mask]
        info["blocks_split"] = int((~small).sum())
        split = (np.asarray(rule.split_key(df), dtype=np.int64) if rule.split_key is not None
                 else np.zeros(len(df), np.int64))
        big_rows = big_rows[np.lexsort((split[big_rows], keys[big_rows]))]
        composite = np.stack((keys[big_rows], split[big_rows]), axis=1)
        change = np.flatnonzero(np.any(composite[1:] != composite[:-1], axis=1)) + 1
        b_starts = np.concatenate(([0], change)).astype(np.int64)
        b_sizes = np.diff(np.concatenate((b_starts, [big_rows.size]))).astype(np.int64)
        # a sub-block without a split key (-1) or over the cap is windowed, never all-pairs
        no_split = split[big_rows[b_starts]] < 0
        over = (b_sizes > cap) | no_split
        info["windowed_rows"] = int(b_sizes[over].sum())
        sub_window = np.where(over, window, b_sizes - 1)
        left, right = window_pairs(big_rows, b_starts, b_sizes, sub_window)
        parts_left.append(left)
        parts_right.append(right)
    return np.concatenate(parts_left), np.concatenate(parts_right), info


def _link_only_values(df: pd.DataFrame, link_only: str | np.ndarray | None) -> np.ndarray | None:
    if link_only is None:
        return None
    values = df[link_only] if isinstance(link_only, str) else pd.Series(link_only)
    return pd.factorize(values, use_na_sentinel=True)[0]


def candidate_pairs(df: pd.DataFrame, rules: list[BlockingRule], cap: int,
                    link_only: str | np.ndarray | None = None,
                    window: int = DEFAULT_WINDOW) -> CandidatePairs:
    """Unique candidate pairs from the union of ``rules``.

    ``link_only`` (a column name or an array per row) keeps only pairs whose values differ
    (two-table linkage).
    """
    n = len(df)
    side = _link_only_values(df, link_only)
    if len(rules) > 63:
        raise ValueError(f"at most 63 blocking rules are supported, got {len(rules)}")
    codes = np.zeros(0, np.int64)
    per_rule: list[np.ndarray] = []
    stats: list[RuleStats] = []
    for rule in rules:
        left, right, info = _rule_pairs(df, rule, cap, window)
        lo, hi = np.minimum(left, right), np.maximum(left, right)
        keep = lo != hi
        if side is not None:
            keep &= side[lo] != side[hi]
        rule_codes = sorted_unique(lo[keep] * n + hi[keep])
        per_rule.append(rule_codes)
        before = codes.size
        codes = rule_codes if before == 0 else sorted_unique(np.concatenate((codes, rule_codes)))
        stats.append(RuleStats(rule=rule.name, pairs=int(rule_codes.size),
                               new_pairs=int(codes.size - before), **info))
    rule_mask = np.zeros(codes.size, dtype=np.int64)
    for index, rule_codes in enumerate(per_rule):
        rule_mask[np.searchsorted(codes, rule_codes)] |= np.int64(1) << index
    return CandidatePairs(left=codes // n if n else codes, right=codes % n if n else codes,
                          stats=stats, rule_mask=rule_mask)


def column_key(*columns: str) -> KeyFn:
    """KeyFn: int64 code of the combination of ``columns``; -1 when any of them is missing
    or blank."""

    def key(df: pd.DataFrame) -> np.ndarray:
        frame = pd.DataFrame({c: df[c].astype("string").str.strip() for c in columns})
        missing = (frame.isna() | (frame == "")).any(axis=1).to_numpy()
        codes = frame.groupby(list(columns), sort=False, dropna=False).ngroup().to_numpy()
        return np.where(missing, -1, codes).astype(np.int64)

    return key
