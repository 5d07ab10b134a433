"""The roster linkage model: comparisons, blocking rules and cannot-link over the normalized frame."""
from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from linkage.roster.addresses import COUNTY_LEVELS, county_levels
from linkage.roster.birth import BIRTH_LEVELS, birth_levels
from linkage.engine.keys import code_key, code_pair_key, combined_codes
from linkage.engine.levels import RecordFields, code_columns
from linkage.roster.event_timing import (EVENT_TIMING_LEVELS, POLICE, REFERRAL_DAYS, STATION, event_days,
                                  event_timing_levels, source_kind)
from linkage.roster.id_numbers import ID_LEVELS, id_contradicts_record, id_levels
from linkage.roster.names import NAME_LEVELS, name_levels
from schemas.contract import SOURCES
from linkage.engine.settings import BlockingRule, CannotLink, Comparison, ComparisonFn, KeyFn, LinkageSettings

BLOCK_CAP = 100
"""Blocks above this many records are split on the rule's split key: a common name or component
holds thousands of namesakes in a large roster, and an all-pairs block of them adds pairs without
evidence the split keys (birth year, county, sex) would not (docs/tuning.md)."""
MATCH_THRESHOLD = 0.3
"""Link from 0.3, below the 0.5 Bayes point: the model is under-confident (nested and
correlated fields, m estimated by EM on namesake-heavy blocks), so pairs scored 0.3-0.5 are
mostly the same person (docs/tuning.md). The clustering's cannot-link and support checks, not a
high threshold, keep namesakes apart."""
REVIEW_FLOOR = 0.2
"""Pairs in [REVIEW_FLOOR, MATCH_THRESHOLD) go to the review queue."""
SUPPORT_FLOOR = 0.05
"""Clustering's objective (``cluster_support="log_odds_sum"``): two clusters joined by a strong
edge merge when the sum over their scored cross pairs of (match weight - log2 odds of 0.05) is
not negative, so pairs scored above 0.05 count for the merge (they are mostly true at this
model's calibration, docs/tuning.md) and clear non-matches against it."""
UNSCORED_PAIR_WEIGHT = -1.0
"""Bits each cross pair that no blocking rule generated adds to that sum: the ends of a chain
of namesakes share few keys."""
SEX_CONFLICT_MIN_YEAR_GAP = 3
"""Sex differs and the birth years are more than 2 years apart: never the same person."""


def equality_levels(code_column: str) -> ComparisonFn:
    """A two-level comparison on a code column: 1 same, 0 different, -1 missing on a side."""

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        values = df[code_column].to_numpy(dtype=np.int64)
        levels = (values[left] == values[right]).astype(np.int8)
        levels[(values[left] < 0) | (values[right] < 0)] = -1
        return levels

    compare.__name__ = f"{code_column}_levels"
    return compare


def _agree(values: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return (values[left] >= 0) & (values[left] == values[right])


def _not_disagree(values: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return (values[left] < 0) | (values[right] < 0) | (values[left] == values[right])


def nested_place_levels(code_column: str, parents: tuple[str, ...], must_agree: str) -> ComparisonFn:
    """Two-level comparison of a place finer than the county, counted only inside its parent.

    Township, village and household are nested in the county: two records of one village are
    also of one county and township, so counting each level as independent evidence (as
    Fellegi-Sunter does) adds the same fact up to four times and makes two members of one
    household look like one person. Chain rule instead: the level is -1 (no evidence) unless
    ``must_agree`` is equal on both sides and no column of ``parents`` differs; u then comes
    out of random pairs as P(same village | same county, ...), the conditional probability.
    """

    columns = (code_column, must_agree, *parents)
    place_fields = RecordFields(f"place:{'/'.join(columns)}", code_columns(*columns))

    def compare(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        fields_l, fields_r = place_fields.take(df, left), place_fields.take(df, right)
        values_l, values_r = fields_l[:, 0], fields_r[:, 0]
        levels = (values_l == values_r).astype(np.int8)
        inside = (fields_l[:, 1] >= 0) & (fields_l[:, 1] == fields_r[:, 1])
        for k in range(2, len(columns)):
            inside &= (fields_l[:, k] < 0) | (fields_r[:, k] < 0) | (fields_l[:, k] == fields_r[:, k])
        levels[(values_l < 0) | (values_r < 0) | ~inside] = -1
        return levels

    compare.__name__ = f"{code_column}_nested_levels"
    return compare


def roster_comparisons() -> list[Comparison]:
    """The comparisons of schemas.outputs.ROSTER_COMPARISONS, in that order."""
    return [
        Comparison("name", NAME_LEVELS, name_levels, tf_column="name_canon", tf_levels=(3, 4)),
        Comparison("id_number", ID_LEVELS, id_levels),
        Comparison("birth", BIRTH_LEVELS, birth_levels),
        Comparison("sex", ("different", "same"), equality_levels("sex_code")),
        Comparison("county", COUNTY_LEVELS, county_levels),
        Comparison("township", ("different", "same"),
                   nested_place_levels("township_code_int", (), "place_county_code")),
        Comparison("village", ("different", "same county and village"),
                   nested_place_levels("village_code", ("township_code_int",), "place_county_code")),
        Comparison("household", ("different", "same"),
                   nested_place_levels("household_code", ("township_code_int", "village_code"),
                                       "place_county_code")),
        Comparison("event_timing", EVENT_TIMING_LEVELS, event_timing_levels),
    ]


BIRTH_BUCKET_YEARS = 5
"""Width of the birth-year buckets that split oversize component blocks: an age estimated at an
event misses the birth year by a few years, so component blocks must not demand the same year."""


def _last_component(df: pd.DataFrame) -> np.ndarray:
    comp2 = df["name_comp2_code"].to_numpy(dtype=np.int64)
    return np.where(comp2 >= 0, comp2, df["name_comp1_code"].to_numpy(dtype=np.int64))


def birth_bucket(df: pd.DataFrame) -> np.ndarray:
    """Birth year // BIRTH_BUCKET_YEARS (-1 unknown): groups years without demanding one year."""
    year = df["birth_lo"].to_numpy(dtype=np.int64)
    return np.where(year >= 0, year // BIRTH_BUCKET_YEARS, -1)


NAME_CANON_BUCKET_YEARS = 2
"""Width of the two overlapping birth-year buckets (the second shifted by half the width) that
split oversize canonical-name blocks: a birth year estimated from an age, or mistyped, misses
by a year or two, and the exact year as split key left a third of the true pairs sharing a
common canonical name uncandidated at 300k rows (issue 13). With width 2 (shift 1) two years
at most one apart always share a sub-block (docs/tuning.md). 1: the exact year alone."""


def birth_year_bucket(width: int, shift: int = 0) -> KeyFn:
    """KeyFn: (birth year + shift) // width, -1 unknown. Two such keys of one width shifted by
    width // 2 are overlapping windows: years up to width // 2 apart share a bucket of one."""

    def key(df: pd.DataFrame) -> np.ndarray:
        year = df["birth_lo"].to_numpy(dtype=np.int64)
        return np.where(year >= 0, (year + shift) // width, -1)

    key.__name__ = f"birth_year_bucket_{width}_{shift}"
    return key


def overlapping_birth_buckets(width: int) -> tuple[KeyFn, tuple[KeyFn, ...]]:
    """(split key, extra split keys) of birth-year buckets of ``width`` years and the same shifted
    by width // 2; width 1 is the exact year with no extra key."""
    if width <= 1:
        return code_key("birth_lo"), ()
    return birth_year_bucket(width), (birth_year_bucket(width, width // 2),)


def _component_county_bucket(component: np.ndarray, df: pd.DataFrame) -> np.ndarray:
    county_bucket = combined_codes(df["place_county_code"].to_numpy(dtype=np.int64), birth_bucket(df))
    return combined_codes(component, county_bucket)


def first_component_county(df: pd.DataFrame) -> np.ndarray:
    """First canonical component + county + birth bucket: 扎西 ~ 扎西次仁 (one-component or
    shortened names; a component alone, even within a county, makes blocks too coarse)."""
    return _component_county_bucket(df["name_comp1_code"].to_numpy(dtype=np.int64), df)


def last_component_county(df: pd.DataFrame) -> np.ndarray:
    """Last canonical component (second, or the only one) + county + birth bucket: 次仁 ~ 扎西次仁."""
    return _component_county_bucket(_last_component(df), df)


def last_component_township(df: pd.DataFrame) -> np.ndarray:
    """Last canonical component + township: 次仁 ~ 扎西次仁 when neither has a birth year."""
    return combined_codes(_last_component(df), df["township_code_int"].to_numpy(dtype=np.int64))


def village_birth_bucket(df: pd.DataFrame) -> np.ndarray:
    """Village + birth bucket: finds records whose name is unknown or written beyond the keys."""
    return combined_codes(df["village_code"].to_numpy(dtype=np.int64), birth_bucket(df))


def referral_key(offset_days: int, column: str) -> KeyFn:
    """Police date + ``offset_days`` (police rows) or intake date (station rows), with the code
    of ``column``: a police referral and the station intake it led to (see
    linkage.roster.event_timing). Other sources have no key.

    Keyed on the home county, not on a name key: a day in a large city holds many namesakes
    (docs/tuning.md)."""

    def key(df: pd.DataFrame) -> np.ndarray:
        kind, day = source_kind(df), event_days(df)
        day = np.where(kind == POLICE, day + offset_days, np.where(kind == STATION, day, -1))
        return combined_codes(np.where(day >= 0, day, -1), df[column].to_numpy(dtype=np.int64))

    key.__name__ = f"referral_{offset_days}_{column}_key"
    return key


def birth_day(df: pd.DataFrame) -> np.ndarray:
    """Full birth date (field, else the id's): finds records whose name is unknown (不详, 无名氏)
    or shortened beyond the name keys and whose place is unknown; a date holds few people."""
    return df["birth_day_code"].to_numpy(dtype=np.int64)


def roster_blocking_rules() -> list[BlockingRule]:
    """Blocking rules; oversize blocks (namesakes) split on birth year, county or sex."""
    birth_year, county, sex = code_key("birth_lo"), code_key("place_county_code"), code_key("sex_code")
    name_canon_split, name_canon_extra = overlapping_birth_buckets(NAME_CANON_BUCKET_YEARS)
    return [
        BlockingRule("same_id18", code_key("id18_code"), split_key=code_key("name_canon_code"),
                     involves=("id_number",), split_involves=("name",)),
        BlockingRule("same_name_canon", code_key("name_canon_code"), split_key=name_canon_split,
                     extra_split_keys=name_canon_extra, involves=("name",), split_involves=("birth",)),
        BlockingRule("name_abbr_birth_year", code_pair_key("name_abbr_code", "birth_lo"), split_key=county,
                     involves=("name", "birth"), split_involves=("county",)),
        BlockingRule("name_abbr_county", code_pair_key("name_abbr_code", "place_county_code"), split_key=birth_bucket,
                     involves=("name", "county"), split_involves=("birth",)),
        BlockingRule("pinyin_county", code_pair_key("name_pinyin_code", "place_county_code"), split_key=birth_bucket,
                     involves=("name", "county"), split_involves=("birth",)),
        BlockingRule("pinyin_birth_year", code_pair_key("name_pinyin_code", "birth_lo"), split_key=county,
                     involves=("name", "birth"), split_involves=("county",)),
        BlockingRule("id_birth_date_county", code_pair_key("id_birth_code", "id_county_code"), split_key=sex,
                     involves=("id_number", "birth"), split_involves=("sex",)),
        BlockingRule("household", code_key("household_code"), split_key=sex,
                     involves=("household", "village", "township", "county"), split_involves=("sex",)),
        BlockingRule("first_component_county", first_component_county, split_key=sex,
                     involves=("name", "county"), split_involves=("birth", "sex")),
        BlockingRule("last_component_county", last_component_county, split_key=sex,
                     involves=("name", "county"), split_involves=("birth", "sex")),
        BlockingRule("first_component_township", code_pair_key("name_comp1_code", "township_code_int"), split_key=sex,
                     involves=("name", "county", "township"), split_involves=("sex",)),
        BlockingRule("last_component_township", last_component_township, split_key=sex,
                     involves=("name", "county", "township"), split_involves=("sex",)),
        BlockingRule("village_birth_bucket", village_birth_bucket, split_key=sex,
                     involves=("county", "township", "village"), split_involves=("sex",)),
        *(BlockingRule(f"referral_{offset}_county", referral_key(offset, "place_county_code"), split_key=sex,
                       involves=("county", "event_timing"), split_involves=("sex",))
          for offset in range(REFERRAL_DAYS + 1)),
        BlockingRule("birth_day", birth_day, split_key=county, involves=("birth",), split_involves=("county",)),
    ]


def valid_id_key(df: pd.DataFrame) -> np.ndarray:
    """The id number's code where it is valid, else -1: two records carrying different keys
    hold two different valid numbers (a key constraint, checked exactly through cluster
    summaries by linkage.engine.clustering)."""
    return np.where(df["id_valid"].to_numpy(dtype=bool), df["id18_code"].to_numpy(dtype=np.int64), -1)


class RosterConflicts:
    """The pair predicate of the roster cannot-link besides different valid ids:

    - a shared relative's number: the same id number on both sides, a side whose own birth
      year or sex contradicts the number (linkage.roster.id_numbers.id_contradicts_record), and
      different names: one record carries a relative's number, they are not one person;
    - known sexes differ and birth years are more than SEX_CONFLICT_MIN_YEAR_GAP - 1 apart.

    Clustering calls it tens of thousands of times on a few pairs each, so the per-record
    arrays it reads are prepared once per frame (the frame is held by a weak reference).
    """

    def __init__(self) -> None:
        self._frame: weakref.ref | None = None
        self._arrays: dict[str, np.ndarray] = {}

    def __getstate__(self) -> dict:
        return {"_frame": None, "_arrays": {}}  # the cache is per process (Spark pickles settings)

    def _prepared(self, df: pd.DataFrame) -> dict[str, np.ndarray]:
        if self._frame is None or self._frame() is not df:
            rows = np.arange(len(df))
            self._arrays = {
                "sex": df["sex_code"].to_numpy(dtype=np.int64),
                "birth_lo": df["birth_lo"].to_numpy(dtype=np.int64),
                "birth_hi": df["birth_hi"].to_numpy(dtype=np.int64),
                "id18": df["id18_code"].to_numpy(dtype=np.int64),
                "doubtful": id_contradicts_record(df, rows) if len(df) else np.zeros(0, dtype=bool),
            }
            self._frame = weakref.ref(df)
        return self._arrays

    def __call__(self, df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        arrays = self._prepared(df)
        sex, lo, hi, id18, doubtful = (arrays[k] for k in ("sex", "birth_lo", "birth_hi", "id18", "doubtful"))
        sex_l, sex_r = sex[left], sex[right]
        lo_l, lo_r = lo[left], lo[right]
        gap = np.maximum(lo_l, lo_r) - np.minimum(hi[left], hi[right])
        conflict = ((sex_l >= 0) & (sex_r >= 0) & (sex_l != sex_r)
                    & (lo_l >= 0) & (lo_r >= 0) & (gap >= SEX_CONFLICT_MIN_YEAR_GAP))
        shared = np.flatnonzero((id18[left] >= 0) & (id18[left] == id18[right])
                                & (doubtful[left] | doubtful[right]))
        if shared.size:
            conflict[shared] |= name_levels(df, left[shared], right[shared]) == 0
        return conflict


def roster_cannot_link() -> CannotLink:
    """Never one person: two different valid id numbers (a key constraint), or a pair
    RosterConflicts rejects."""
    return CannotLink(keys=(valid_id_key,), predicate=RosterConflicts())


def source_category(df: pd.DataFrame) -> np.ndarray:
    """The record's source as its position in schemas.contract.SOURCES (-1 for another): the
    prior groups. How often two records are one person depends on their sources (a police
    encounter and a station intake days apart; two rows of one registry roster), not only on
    the number of records."""
    order = {source: k for k, source in enumerate(SOURCES)}
    return pd.Series(df["source"]).map(order).fillna(-1).to_numpy(dtype=np.int64)


def source_and_id_category(df: pd.DataFrame) -> np.ndarray:
    """source_category * 2 + (1 if the record carries an id number): whether a record has an
    id says something of the roster row it is (a police encounter without papers), which the
    id comparison, carrying no weight when a side is missing, does not."""
    source = source_category(df)
    has_id = (df["id18_code"].to_numpy(dtype=np.int64) >= 0).astype(np.int64)
    return np.where(source >= 0, source * 2 + has_id, -1)


def roster_settings() -> LinkageSettings:
    """The LinkageSettings of the roster model (comparisons in ROSTER_COMPARISONS order)."""
    return LinkageSettings(
        comparisons=roster_comparisons(),
        blocking_rules=roster_blocking_rules(),
        cannot_link=roster_cannot_link(),
        block_cap=BLOCK_CAP,
        match_threshold=MATCH_THRESHOLD,
        review_floor=REVIEW_FLOOR,
        cluster_support="log_odds_sum",
        support_floor=SUPPORT_FLOOR,
        unscored_pair_weight=UNSCORED_PAIR_WEIGHT,
        prior_groups=source_and_id_category,
        identifier=("id_number", (ID_LEVELS.index("one edit or adjacent transposition"), ID_LEVELS.index("identical"))),
    )
