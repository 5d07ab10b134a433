"""Blocking: capped blocks, split keys, windows, dedupe across rules, link-only."""
from dataclasses import replace
from itertools import combinations

import numpy as np
import pandas as pd

from linkage.engine.blocking import (MAX_SPAN, candidate_pairs, index_dtype, mask_dtype, pairs_in_row_order,
                                     sorted_unique, split_codes, union_bounds, union_range, window_pairs)
from linkage.engine.keys import text_key
from linkage.engine.parallel import CHUNKS
from linkage.engine.settings import BlockingRule


def _pairs(result) -> set[tuple[int, int]]:
    return set(zip(result.left.tolist(), result.right.tolist()))


def test_all_pairs_within_small_blocks_and_no_key_rows_left_out():
    df = pd.DataFrame({"k": ["a", "a", "b", None, "a", "b", " "]})
    result = candidate_pairs(df, [BlockingRule("k", text_key("k"))], cap=10)
    assert _pairs(result) == {(0, 1), (0, 4), (1, 4), (2, 5)}
    assert np.all(result.left < result.right)
    assert result.stats[0].blocks == 2 and result.stats[0].largest_block == 3


def test_pairs_are_unique_across_rules_and_rule_mask_records_every_rule():
    df = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["1", "1", "1", "2"]})
    rules = [BlockingRule("a", text_key("a")), BlockingRule("b", text_key("b"))]
    result = candidate_pairs(df, rules, cap=10)
    assert _pairs(result) == {(0, 1), (2, 3), (0, 2), (1, 2)}
    assert len(result) == 4
    mask = dict(zip(zip(result.left.tolist(), result.right.tolist()), result.rule_mask.tolist()))
    assert mask[(0, 1)] == 0b11 and mask[(2, 3)] == 0b01 and mask[(0, 2)] == 0b10
    assert [s.new_pairs for s in result.stats] == [2, 2]


def test_link_only_keeps_pairs_across_sides():
    df = pd.DataFrame({"k": ["a"] * 4, "side": ["l", "l", "r", "r"]})
    result = candidate_pairs(df, [BlockingRule("k", text_key("k"))], cap=10, link_only="side")
    assert _pairs(result) == {(0, 2), (0, 3), (1, 2), (1, 3)}


def test_oversize_block_is_split_on_the_split_key():
    df = pd.DataFrame({"k": ["a"] * 6, "s": ["1", "1", "1", "2", "2", "2"]})
    rule = BlockingRule("k", text_key("k"), split_key=text_key("s"))
    result = candidate_pairs(df, [rule], cap=4)
    assert _pairs(result) == {(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)}
    assert result.stats[0].blocks_split == 1 and result.stats[0].windowed_rows == 0


def test_sub_block_over_the_cap_falls_back_to_a_window():
    df = pd.DataFrame({"k": ["a"] * 8})
    result = candidate_pairs(df, [BlockingRule("k", text_key("k"))], cap=3, window=2)
    assert _pairs(result) == {(i, j) for i in range(8) for j in (i + 1, i + 2) if j < 8}
    assert result.stats[0].windowed_rows == 8


def test_window_pairs_with_full_window_is_all_pairs_per_group():
    rows = np.array([7, 3, 9, 4, 5], dtype=np.int64)
    starts, sizes = np.array([0, 3]), np.array([3, 2])
    left, right = window_pairs(rows, starts, sizes, sizes - 1)
    expected = set(combinations([7, 3, 9], 2)) | {(4, 5)}
    assert set(zip(left.tolist(), right.tolist())) == expected


def test_twenty_thousand_records_in_one_block_stay_bounded():
    n, cap = 20_000, 500
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"k": ["same"] * n, "s": rng.integers(0, 200, n).astype(str)})
    windowed = candidate_pairs(df, [BlockingRule("k", text_key("k"))], cap=cap, window=20)
    assert len(windowed) <= n * 20
    assert windowed.stats[0].largest_block == n
    split = candidate_pairs(df, [BlockingRule("k", text_key("k"), text_key("s"))], cap=cap)
    assert len(split) <= n * cap // 2
    assert split.stats[0].blocks_split == 1


def test_sorted_unique():
    assert sorted_unique(np.array([5, 1, 5, 3, 1])).tolist() == [1, 3, 5]


def test_a_range_of_the_union_ors_the_rule_bits_and_counts_the_first_rule_of_each_code():
    n = 10
    rule_codes = [np.array([3, 7, 20], dtype=np.int64), np.array([0, 7, 21, 22], dtype=np.int64),
                  np.array([7, 22, 99], dtype=np.int64)]
    left, right, mask, found_first = union_range(rule_codes, 0, 50, n, np.dtype(np.uint8))
    assert (left * n + right).tolist() == [0, 3, 7, 20, 21, 22]
    assert left.dtype == right.dtype == np.int32
    assert mask.tolist() == [2, 1, 7, 1, 2, 6] and mask.dtype == np.uint8
    assert found_first.tolist() == [3, 3, 0]
    left, right, mask, found_first = union_range(rule_codes, 21, 22, n, np.dtype(np.uint8))
    assert (left * n + right).tolist() == [21] and mask.tolist() == [2]
    empty = union_range(rule_codes, 100, 200, n, np.dtype(np.uint8))
    assert [part.size for part in empty[:3]] == [0, 0, 0] and empty[3].tolist() == [0, 0, 0]


def test_union_bounds_cover_all_codes_in_ranges_of_about_the_chunk(monkeypatch):
    monkeypatch.setattr("linkage.engine.blocking.CHUNKS", replace(CHUNKS, union=64))
    n = 1_000
    rule_codes = [np.arange(0, 6_400, 2, dtype=np.int64), np.arange(0, 6_400, 5, dtype=np.int64)]
    bounds = union_bounds(rule_codes, n)
    assert bounds[0] == 0 and bounds[-1] == n * n and bounds == sorted(set(bounds))
    sizes = [sum(int(((codes >= a) & (codes < b)).sum()) for codes in rule_codes)
             for a, b in zip(bounds[:-1], bounds[1:])]
    assert sum(sizes) == 3_200 + 1_280 and max(sizes) <= 2 * 64
    assert union_bounds([], 0) == [0, 1]
    huge = 2**31 - 1
    wide = union_bounds([np.zeros(0, np.int64)], huge)
    assert max(np.diff(wide).tolist()) <= MAX_SPAN and wide[-1] == huge * huge


def test_union_built_in_many_ranges_is_the_union_built_in_one(monkeypatch):
    rng = np.random.default_rng(11)
    n = 2_000
    df = pd.DataFrame({f"c{r}": rng.integers(0, 30 + 20 * r, n).astype(str) for r in range(4)})
    rules = [BlockingRule(f"c{r}", text_key(f"c{r}")) for r in range(4)]
    whole = candidate_pairs(df, rules, cap=500)
    monkeypatch.setattr("linkage.engine.blocking.CHUNKS", replace(CHUNKS, union=1_000))
    ranged = candidate_pairs(df, rules, cap=500)
    assert np.array_equal(whole.left, ranged.left) and np.array_equal(whole.right, ranged.right)
    assert np.array_equal(whole.rule_mask, ranged.rule_mask) and whole.stats == ranged.stats


def test_split_codes_gives_row_positions_across_chunks(monkeypatch):
    monkeypatch.setattr("linkage.engine.blocking.CHUNKS", replace(CHUNKS, block_split=3))
    n = 1_000_003
    left = np.array([0, 5, 999_999, 1_000_001, 7, 8, 9])
    right = np.array([1, 1_000_002, 1_000_000, 1_000_002, 8, 9, 10])
    got_left, got_right = split_codes(left.astype(np.int64) * n + right, n, np.dtype(np.int32))
    assert got_left.dtype == got_right.dtype == np.int32
    assert got_left.tolist() == left.tolist() and got_right.tolist() == right.tolist()


def test_positions_are_int32_and_the_rule_mask_as_small_as_the_rules_allow():
    assert index_dtype(1_000_000) == np.int32 and index_dtype(2**31) == np.int64
    assert [mask_dtype(k) for k in (1, 8, 9, 16, 17, 32, 33, 63)] == [
        np.uint8, np.uint8, np.uint16, np.uint16, np.uint32, np.uint32, np.int64, np.int64]
    df = pd.DataFrame({f"c{r}": ["x", "x", "y"] for r in range(9)})
    rules = [BlockingRule(f"c{r}", text_key(f"c{r}")) for r in range(9)]
    result = candidate_pairs(df, rules, cap=10)
    assert result.left.dtype == result.right.dtype == np.int32
    assert result.rule_mask.dtype == np.uint16 and result.rule_mask.tolist() == [2**9 - 1]


def test_union_of_many_overlapping_rules_matches_a_set_union():
    rng = np.random.default_rng(5)
    n = 3_000
    df = pd.DataFrame({f"c{r}": rng.integers(0, 40 + 30 * r, n).astype(str) for r in range(5)})
    rules = [BlockingRule(f"c{r}", text_key(f"c{r}")) for r in range(5)]
    result = candidate_pairs(df, rules, cap=500)
    expected: dict[tuple[int, int], int] = {}
    for bit, rule in enumerate(rules):
        alone = candidate_pairs(df, [rule], cap=500)
        for pair in zip(alone.left.tolist(), alone.right.tolist()):
            expected[pair] = expected.get(pair, 0) | (1 << bit)
    pairs = list(zip(result.left.tolist(), result.right.tolist()))
    assert pairs == sorted(expected)
    assert result.rule_mask.tolist() == [expected[pair] for pair in pairs]
    assert [s.pairs for s in result.stats] == [len(candidate_pairs(df, [r], cap=500)) for r in rules]


def test_window_pairs_match_a_loop_with_singleton_groups_and_short_windows():
    rng = np.random.default_rng(2)
    sizes = rng.integers(1, 9, 60)
    starts = np.cumsum(sizes) - sizes
    window = rng.integers(0, 5, 60)
    rows = rng.permutation(int(sizes.sum())).astype(np.int32)
    left, right = window_pairs(rows, starts, sizes, window)
    expected = [(rows[s + i], rows[s + j]) for s, size, w in zip(starts, sizes, window)
                for i in range(size) for j in range(i + 1, min(i + w, size - 1) + 1)]
    assert list(zip(left.tolist(), right.tolist())) == [(int(a), int(b)) for a, b in expected]
    assert left.dtype == right.dtype == np.int32


def test_pairs_in_row_order_are_all_pairs_per_group_with_sorted_codes():
    rng = np.random.default_rng(6)
    n = 500
    sizes = rng.integers(1, 9, 40)
    chosen = rng.choice(n, int(sizes.sum()), replace=False)
    starts = np.cumsum(sizes) - sizes
    rows = np.concatenate([np.sort(chosen[s:s + size]) for s, size in zip(starts, sizes)]).astype(np.int32)
    left, right = pairs_in_row_order(rows, starts, sizes)
    expected = {pair for s, size in zip(starts, sizes)
                for pair in combinations(rows[s:s + size].tolist(), 2)}
    codes = left.astype(np.int64) * n + right
    assert set(zip(left.tolist(), right.tolist())) == expected and len(codes) == len(expected)
    assert np.all(np.diff(codes) > 0) and left.dtype == right.dtype == np.int32
    assert pairs_in_row_order(rows[:0], starts[:0], sizes[:0])[0].size == 0


def test_extra_split_keys_pair_rows_a_single_split_puts_apart():
    # six rows of one oversize block, years 1980..1985; exact years never pair 1980 with 1981
    df = pd.DataFrame({"k": ["a"] * 6, "year": [1980, 1981, 1982, 1983, 1984, 1985]})
    by_two = BlockingRule("k", text_key("k"), split_key=lambda f: f["year"].to_numpy() // 2)
    shifted = replace(by_two, extra_split_keys=(lambda f: (f["year"].to_numpy() + 1) // 2,))
    single = _pairs(candidate_pairs(df, [by_two], cap=4))
    both = _pairs(candidate_pairs(df, [shifted], cap=4))
    assert single == {(0, 1), (2, 3), (4, 5)}
    # with the shifted buckets every two years one apart share a sub-block
    assert both == single | {(1, 2), (3, 4)}
    # blocks within the cap are all pairs either way
    assert _pairs(candidate_pairs(df, [shifted], cap=10)) == set(combinations(range(6), 2))
