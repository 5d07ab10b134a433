"""How two normalized names compare: the levels of the `name` comparison.

Levels (higher = stronger; -1 when a name is unknown on either side):

| level | label | rule |
|---|---|---|
| 4 | same written form | equal `name_norm` |
| 3 | variant-equivalent | equal `name_canon` (次仁 / 才仁), affixes not contradicting |
| 2 | abbreviation-compatible | one side is a 2-character name or a one-component name whose abbreviation key (its two characters' canonical initials) equals the other's (扎次 ~ 扎西次仁, 次丹 ~ 次仁丹巴), or whose canonical component is one of the other's components (次仁 ~ 扎西次仁: daily use of the first or last two characters) |
| 1 | pinyin similar | Jaro-Winkler of the pinyin keys >= 0.9 (float64), or equal length >= 2 with exactly one character substituted (same-sound or same-shape error) |
| 0 | different | anything else, including two different 大/小/老 affixes (大次仁 vs 小次仁 are two people) |

All work is done on integer code columns written by `linkage.roster.normalize.normalize_records`
(`name_norm_code`, `name_canon_code`, `name_abbr_code`, `name_comp1_code`, `name_comp2_code`,
`name_pinyin_code`, `name_affix_code`, `name_short`, `name_len`); string distances are computed once per
distinct pair of pinyin keys with rapidfuzz.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from linkage.engine.levels import RecordFields, code_columns

NAME_LEVELS: tuple[str, ...] = (
    "different", "pinyin similar", "abbreviation-compatible", "variant-equivalent", "same written form",
)
PINYIN_JW_THRESHOLD = 0.9


_FIELDS = ("name_norm_code", "name_affix_code", "name_canon_code", "name_abbr_code", "name_comp1_code",
           "name_comp2_code", "name_short")
NORM, AFFIX, CANON, ABBR, COMP1, COMP2, SHORT = range(len(_FIELDS))
NAME_CODE_FIELDS = RecordFields("name codes", code_columns(*_FIELDS))
"""(records, _FIELDS) int32 matrix of the name code columns (codes count records: they fit)."""


def _abbreviation_compatible(short: np.ndarray, full: np.ndarray) -> np.ndarray:
    """`short` (name fields) is a 2-character key or one-component name compatible with `full`."""
    key, abbr = short[:, CANON], short[:, ABBR]
    same_abbr = (abbr >= 0) & (abbr == full[:, ABBR])
    in_components = (key == full[:, COMP1]) | (key == full[:, COMP2])
    return (short[:, SHORT] > 0) & (key >= 0) & (same_abbr | in_components)


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Position of the first occurrence of each code of ``pd.factorize`` (codes appear in order)."""
    new = np.empty(codes.size, dtype=bool)
    new[:1] = True
    new[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    return np.flatnonzero(new)


def _pinyin_similar(df: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                    norm_l: np.ndarray, norm_r: np.ndarray) -> np.ndarray:
    """Pinyin Jaro-Winkler >= threshold or one substituted character, once per distinct pair
    (computed on the first pair of each distinct name pair, in the order given)."""
    width = np.int64(max(int(df["name_norm_code"].max()) + 1, 1))
    pair_key = np.minimum(norm_l, norm_r) * width + np.maximum(norm_l, norm_r)
    inverse, _ = pd.factorize(pair_key)
    first = _first_rows(inverse)
    rows_l, rows_r = left[first], right[first]
    pinyin = df["name_pinyin"].to_numpy(dtype=object)
    jaro = cpdist(pinyin[rows_l].tolist(), pinyin[rows_r].tolist(), scorer=JaroWinkler.normalized_similarity,
                  dtype=np.float64)
    similar = jaro >= PINYIN_JW_THRESHOLD
    lengths = df["name_len"].to_numpy(dtype=np.int64)
    lengths_l = lengths[rows_l]
    same_length = np.flatnonzero(~similar & (lengths_l == lengths[rows_r]) & (lengths_l >= 2))
    norm = df["name_norm"].to_numpy(dtype=object)
    edits = cpdist(norm[rows_l[same_length]].tolist(), norm[rows_r[same_length]].tolist(),
                   scorer=Levenshtein.distance, dtype=np.int64, score_cutoff=1)
    similar[same_length[edits == 1]] = True
    return similar[inverse]


def name_levels(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Level of the `name` comparison for each pair (see the module docstring)."""
    fields_l, fields_r = NAME_CODE_FIELDS.take(df, left), NAME_CODE_FIELDS.take(df, right)
    norm_l, norm_r = fields_l[:, NORM], fields_r[:, NORM]
    missing = (norm_l < 0) | (norm_r < 0)
    affix_l, affix_r = fields_l[:, AFFIX], fields_r[:, AFFIX]
    affix_conflict = (affix_l >= 0) & (affix_r >= 0) & (affix_l != affix_r)
    same_canon = fields_l[:, CANON] == fields_r[:, CANON]
    abbreviation = _abbreviation_compatible(fields_l, fields_r) | _abbreviation_compatible(fields_r, fields_l)

    levels = np.zeros(len(left), dtype=np.int8)
    undecided = np.flatnonzero(~(missing | affix_conflict | same_canon | abbreviation))
    if undecided.size:
        similar = _pinyin_similar(df, left[undecided], right[undecided], norm_l[undecided].astype(np.int64),
                                  norm_r[undecided].astype(np.int64))
        levels[undecided[similar]] = 1
    levels[abbreviation & ~affix_conflict] = 2
    levels[same_canon & ~affix_conflict] = 3
    levels[norm_l == norm_r] = 4
    levels[missing] = -1
    return levels
