"""How two normalized names compare: the levels of the `name` comparison.

Levels (higher = stronger; -1 when a name is unknown on either side):

| level | label | rule |
|---|---|---|
| 4 | same written form | equal `name_norm` |
| 3 | variant-equivalent | equal `name_canon` (次仁 / 才仁), affixes not contradicting |
| 2 | abbreviation-compatible | one side is a 2-character name or a one-component name whose abbreviation key (its two characters' canonical initials) equals the other's (扎次 ~ 扎西次仁, 次丹 ~ 次仁丹巴), or whose canonical component is one of the other's components (次仁 ~ 扎西次仁: daily use of the first or last two characters) |
| 1 | pinyin similar | Jaro-Winkler of the pinyin keys >= 0.9 (float64), or equal length >= 2 with exactly one character substituted (same-sound or same-shape error) |
| 0 | different | anything else, including two different 大/小/老 affixes (大次仁 vs 小次仁 are two people) |

All work is done on integer code columns written by `linkage.normalize.normalize_records`
(`name_norm_code`, `name_canon_code`, `name_abbr_code`, `name_comp1_code`, `name_comp2_code`,
`name_pinyin_code`, `name_affix_code`, `name_short`, `name_len`); string distances are computed once per
distinct pair of pinyin keys with rapidfuzz.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

NAME_LEVELS: tuple[str, ...] = (
    "different", "pinyin similar", "abbreviation-compatible", "variant-equivalent", "same written form",
)
PINYIN_JW_THRESHOLD = 0.9


def _codes(df: pd.DataFrame, column: str, rows: np.ndarray) -> np.ndarray:
    return df[column].to_numpy(dtype=np.int64)[rows]


def _abbreviation_compatible(df: pd.DataFrame, short: np.ndarray, full: np.ndarray) -> np.ndarray:
    """`short` is a 2-character key or one-component name compatible with the name at `full`."""
    is_short = df["name_short"].to_numpy(dtype=bool)[short]
    key = _codes(df, "name_canon_code", short)
    abbr = _codes(df, "name_abbr_code", short)
    same_abbr = (abbr >= 0) & (abbr == _codes(df, "name_abbr_code", full))
    in_components = (key == _codes(df, "name_comp1_code", full)) | (key == _codes(df, "name_comp2_code", full))
    return is_short & (key >= 0) & (same_abbr | in_components)


def _pinyin_similar(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pinyin Jaro-Winkler >= threshold or one substituted character, once per distinct pair."""
    norm_l, norm_r = _codes(df, "name_norm_code", left), _codes(df, "name_norm_code", right)
    width = np.int64(max(int(df["name_norm_code"].max()) + 1, 1))
    pair_key = np.minimum(norm_l, norm_r) * width + np.maximum(norm_l, norm_r)
    _, first, inverse = np.unique(pair_key, return_index=True, return_inverse=True)
    rows_l, rows_r = left[first], right[first]
    pinyin = df["name_pinyin"].to_numpy(dtype=object)
    norm = df["name_norm"].to_numpy(dtype=object)
    jaro = cpdist(
        list(pinyin[rows_l]), list(pinyin[rows_r]), scorer=JaroWinkler.normalized_similarity,
        dtype=np.float64,
    )
    queries, choices = norm[rows_l], norm[rows_r]
    lengths_l, lengths_r = _codes(df, "name_len", rows_l), _codes(df, "name_len", rows_r)
    similar = jaro >= PINYIN_JW_THRESHOLD
    same_length = np.flatnonzero(~similar & (lengths_l == lengths_r) & (lengths_l >= 2))
    edits = cpdist(list(queries[same_length]), list(choices[same_length]), scorer=Levenshtein.distance, dtype=np.int64)
    similar[same_length[edits == 1]] = True
    return similar[inverse.ravel()]


def name_levels(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Level of the `name` comparison for each pair (see the module docstring)."""
    norm_l, norm_r = _codes(df, "name_norm_code", left), _codes(df, "name_norm_code", right)
    levels = np.zeros(len(left), dtype=np.int8)
    missing = (norm_l < 0) | (norm_r < 0)
    affix_l, affix_r = _codes(df, "name_affix_code", left), _codes(df, "name_affix_code", right)
    affix_conflict = (affix_l >= 0) & (affix_r >= 0) & (affix_l != affix_r)

    same_canon = _codes(df, "name_canon_code", left) == _codes(df, "name_canon_code", right)
    abbreviation = _abbreviation_compatible(df, left, right) | _abbreviation_compatible(df, right, left)
    undecided = ~missing & ~affix_conflict & ~same_canon & ~abbreviation
    similar = np.zeros(len(left), dtype=bool)
    if undecided.any():
        similar[undecided] = _pinyin_similar(df, left[undecided], right[undecided])

    levels[similar] = 1
    levels[abbreviation & ~affix_conflict] = 2
    levels[same_canon & ~affix_conflict] = 3
    levels[norm_l == norm_r] = 4
    levels[missing] = -1
    return levels
