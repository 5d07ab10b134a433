"""Candidate pairs from blocking rules: numpy sort/factorize, capped blocks, never quadratic.

Each rule gives an int64 key per row (-1 = no key). Rows sharing a key form a block.
A block of at most ``cap`` rows yields all its pairs. A larger block is split on the rule's
``split_key`` (composite key: block, split key); a sub-block still larger than ``cap`` (or an
oversize block of a rule without split key) falls back to a sorted-neighbourhood window: each
row in split-key order is paired with its next ``window`` rows, so the work is O(n * window).
Pairs are deduplicated across rules (code left * n + right): each rule's codes are sorted and
deduplicated on their own (the rules on a pool of threads: numpy's sorts release the GIL), then
the union is built a range of codes at a time (again on the threads), each range merging the
rules' sorted runs in one sort; a code's rule mask is the OR of its rules' bits and the first
rule that found it is its lowest bit. Row positions are int32 (int64 from 2**31 records on) and
the rule mask the smallest unsigned integer holding one bit per rule: the union holds many
pairs per record, so its per-pair arrays are as narrow as the frame allows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.engine.parallel import CHUNKS, map_threads
from linkage.engine.settings import BlockingRule

DEFAULT_WINDOW = 50
MAX_RULES = 63
RULE_BITS = 6
"""Low bits of a merge key holding the rule index (MAX_RULES < 2**RULE_BITS)."""
MAX_SPAN = 1 << (63 - RULE_BITS)
"""Widest range of codes merged at once: code - range start, shifted by RULE_BITS, fits int64."""


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
    return distinct_of_sorted(np.sort(codes))


def distinct_of_sorted(codes: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array."""
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
        return rows[:0], rows[:0]
    # pair k of source row i (k-th of its counts[i] pairs, its pairs starting at first[i]) is
    # (i, i + 1 + k) = (i, k' - (first[i] - i) + 1) with k' = first[i] + k its pair number
    steps = np.dtype(np.int32) if total + rows.size < 2**31 else np.dtype(np.int64)
    first = np.cumsum(counts) - counts
    left = rows[np.repeat(np.arange(rows.size, dtype=steps), counts)]
    partner = np.arange(total, dtype=steps)
    partner -= np.repeat((first - np.arange(rows.size)).astype(steps), counts)
    partner += 1
    return left, rows[partner]


def pairs_in_row_order(rows: np.ndarray, starts: np.ndarray,
                       sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs inside each group of ``rows`` (ascending inside each group; ``starts``/``sizes``
    delimit the groups) ordered by left row, then right row: their codes come out sorted."""
    if rows.size == 0:
        return rows[:0], rows[:0]
    slot = np.full(int(rows.max()) + 1, -1, dtype=np.int64)
    slot[rows] = np.arange(rows.size)
    by_row = slot[slot >= 0]  # index in ``rows`` of each row, in row order
    group_of = np.repeat(np.arange(starts.size), sizes)
    counts = ((starts + sizes - 1)[group_of] - np.arange(rows.size))[by_row]
    total = int(counts.sum())
    # pair k of row i (rows[i]'s pairs numbered from first[i]) is (i, i + 1 + k), as in window_pairs
    steps = np.dtype(np.int32) if total + rows.size < 2**31 else np.dtype(np.int64)
    first = np.cumsum(counts) - counts
    left = np.repeat(rows[by_row], counts)
    partner = np.arange(total, dtype=steps)
    partner -= np.repeat((first - by_row).astype(steps), counts)
    partner += 1
    return left, rows[partner]


def _rule_pairs(df: pd.DataFrame, rule: BlockingRule, cap: int, window: int,
                positions: np.dtype) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Pairs (row positions as ``positions``) of one rule, and what the rule's blocks were: the
    all-pairs blocks' pairs first, as two runs in row order, then the windowed ones."""
    keys = np.asarray(rule.key(df), dtype=np.int64)
    rows = np.flatnonzero(keys >= 0).astype(positions)
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
    left, right = pairs_in_row_order(small_rows, s_starts, s_sizes)
    parts_left.append(left)
    parts_right.append(right)
    if not small.all():
        info["blocks_split"] = int((~small).sum())
        for split_fn in (rule.split_key, *rule.extra_split_keys):
            left, right, windowed_rows = _split_pairs(df, order[~small_mask], keys, split_fn, cap, window)
            parts_left.extend(left)
            parts_right.extend(right)
            info["windowed_rows"] += windowed_rows
    return np.concatenate(parts_left), np.concatenate(parts_right), info


def _split_pairs(df: pd.DataFrame, big_rows: np.ndarray, keys: np.ndarray, split_fn, cap: int,
                 window: int) -> tuple[list[np.ndarray], list[np.ndarray], int]:
    """Pairs of the oversize blocks' rows split on ``split_fn`` (None: one sub-block per block):
    all pairs of a sub-block within the cap, a window over the others and over the rows
    without a split key; and how many rows were windowed."""
    split = (np.asarray(split_fn(df), dtype=np.int64) if split_fn is not None
             else np.zeros(len(df), np.int64))
    big_rows = big_rows[np.lexsort((split[big_rows], keys[big_rows]))]
    composite = np.stack((keys[big_rows], split[big_rows]), axis=1)
    change = np.flatnonzero(np.any(composite[1:] != composite[:-1], axis=1)) + 1
    b_starts = np.concatenate(([0], change)).astype(np.int64)
    b_sizes = np.diff(np.concatenate((b_starts, [big_rows.size]))).astype(np.int64)
    # a sub-block without a split key (-1) or over the cap is windowed, never all-pairs
    no_split = split[big_rows[b_starts]] < 0
    over = (b_sizes > cap) | no_split
    windowed = np.repeat(over, b_sizes)
    full, windows = b_sizes[~over], b_sizes[over]
    lefts, rights = [], []
    for left, right in (pairs_in_row_order(big_rows[~windowed], np.cumsum(full) - full, full),
                        window_pairs(big_rows[windowed], np.cumsum(windows) - windows, windows,
                                     np.full(windows.size, window))):
        lefts.append(left)
        rights.append(right)
    return lefts, rights, int(b_sizes[over].sum())


def _link_only_values(df: pd.DataFrame, link_only: str | np.ndarray | None) -> np.ndarray | None:
    if link_only is None:
        return None
    values = df[link_only] if isinstance(link_only, str) else pd.Series(link_only)
    return pd.factorize(values, use_na_sentinel=True)[0]


def index_dtype(n_records: int) -> np.dtype:
    """int32 row positions while they fit, else int64."""
    return np.dtype(np.int32) if n_records < 2**31 else np.dtype(np.int64)


def mask_dtype(n_rules: int) -> np.dtype:
    """Smallest unsigned integer with one bit per rule; int64 past 32 rules (numpy does not mix
    uint64 with int64 in bitwise operations)."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if n_rules <= np.iinfo(dtype).bits:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def split_codes(codes: np.ndarray, n: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (code // n, code % n) as ``dtype``, ``CHUNKS.block_split`` codes at a time
    (bounds the int64 temporaries)."""
    left = np.empty(codes.size, dtype=dtype)
    right = np.empty(codes.size, dtype=dtype)
    chunk = CHUNKS.block_split
    for start in range(0, codes.size, chunk):
        part = slice(start, start + chunk)
        quotient, remainder = np.divmod(codes[part], n)
        left[part], right[part] = quotient, remainder
    return left, right


def _rule_codes(df: pd.DataFrame, rule: BlockingRule, cap: int, window: int, n: int,
                side: np.ndarray | None) -> tuple[np.ndarray, dict[str, int]]:
    """Sorted distinct pair codes (left * n + right, left < right) of one rule, and what the
    rule's blocks were."""
    left, right, info = _rule_pairs(df, rule, cap, window, index_dtype(n))
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    del left, right
    keep = lo != hi
    if side is not None:
        keep &= side[lo] != side[hi]
    codes = lo[keep].astype(np.int64)
    codes *= n
    codes += hi[keep]
    del lo, hi, keep
    codes.sort(kind="stable")  # timsort: the all-pairs blocks' codes are sorted runs already
    return distinct_of_sorted(codes), info


def union_bounds(rule_codes: list[np.ndarray], n: int) -> list[int]:
    """Code boundaries (0, ..., n * n; at least one range) cutting the union into ranges of about
    ``CHUNKS.union`` rule codes (from a sample of every rule's codes; bounds the temporaries of
    a range), none wider than MAX_SPAN."""
    step = max(CHUNKS.union // 64, 1)
    per_range = max(CHUNKS.union // step, 1)
    sample = np.sort(np.concatenate([codes[::step] for codes in rule_codes] + [np.zeros(0, np.int64)]))
    cuts = sample[per_range::per_range].tolist()
    return sorted({0, max(n * n, 1), *cuts, *range(MAX_SPAN, n * n, MAX_SPAN)})


def union_range(rule_codes: list[np.ndarray], start: int, stop: int, n: int, masks: np.dtype
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct codes in [start, stop) over the rules' sorted distinct codes (rule r = bit r)
    as row positions (left, right), their rule masks, and per rule how many of them it found
    first (its lowest bit)."""
    parts = [codes[np.searchsorted(codes, start):np.searchsorted(codes, stop)] for codes in rule_codes]
    keys = np.concatenate(parts + [np.zeros(0, np.int64)])
    keys -= start
    keys <<= RULE_BITS
    keys |= np.repeat(np.arange(len(parts), dtype=np.int64), [part.size for part in parts])
    del parts
    keys.sort(kind="stable")  # keys are distinct; "stable" (timsort) merges the rules' sorted runs
    rule = (keys & ((1 << RULE_BITS) - 1)).astype(np.uint8)
    keys >>= RULE_BITS
    first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if keys.size else keys
    bits = np.array([1 << r for r in range(len(rule_codes))], dtype=masks)
    mask = np.bitwise_or.reduceat(bits[rule], first) if keys.size else np.zeros(0, masks)
    found_first = np.bincount(rule[first], minlength=len(rule_codes))
    codes = keys[first]
    codes += start
    return *split_codes(codes, max(n, 1), index_dtype(n)), mask, found_first


def candidate_pairs(df: pd.DataFrame, rules: list[BlockingRule], cap: int,
                    link_only: str | np.ndarray | None = None,
                    window: int = DEFAULT_WINDOW) -> CandidatePairs:
    """Unique candidate pairs from the union of ``rules``.

    ``link_only`` (a column name or an array per row) keeps only pairs whose values differ
    (two-table linkage).
    """
    n = len(df)
    side = _link_only_values(df, link_only)
    if len(rules) > MAX_RULES:
        raise ValueError(f"at most {MAX_RULES} blocking rules are supported, got {len(rules)}")
    masks = mask_dtype(len(rules))
    per_rule = map_threads(lambda rule: _rule_codes(df, rule, cap, window, n, side), rules)
    rule_codes = [codes for codes, _ in per_rule]
    bounds = union_bounds(rule_codes, n)
    ranges = map_threads(lambda start, stop: union_range(rule_codes, start, stop, n, masks),
                         bounds[:-1], bounds[1:])
    del rule_codes
    found_first = sum((found for *_, found in ranges), np.zeros(len(rules), np.int64))
    stats = [RuleStats(rule=rule.name, pairs=int(codes.size), new_pairs=int(new), **info)
             for rule, (codes, info), new in zip(rules, per_rule, found_first)]
    del per_rule
    left, right, rule_mask = (np.concatenate([part[k] for part in ranges]) for k in range(3))
    return CandidatePairs(left=left, right=right, stats=stats, rule_mask=rule_mask)

