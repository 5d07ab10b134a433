"""Birth: intervals of the birth year from the date field, an age at an event, or the id number.

Levels of the `birth` comparison (-1 when a side knows nothing of its birth):

| level | label | rule |
|---|---|---|
| 7 | same date | same day (field at day precision, else the id's embedded date) |
| 6 | same year and month | |
| 5 | same year | both years exact (a date of any precision, or the id) and equal |
| 4 | within one year | both years exact, one apart |
| 3 | estimate overlaps | a side known only from an age: the year intervals overlap |
| 2 | estimate near | a side known only from an age: intervals 1..AGE_SLACK_YEARS years apart |
| 1 | estimate far | a side known only from an age: intervals further apart |
| 0 | conflict | both years exact, two or more years apart |

An age guessed at intake is weak evidence both ways: a conflict between two written dates says
far more against a match than an age that misses by five years, and an age that fits says less
than an equal year, so the estimates get levels of their own rather than sharing "conflict" and
one "compatible" level with exact years.

The written field wins over the id's date when both are present (the id may be a relative's).
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from linkage.engine.levels import RecordFields, code_columns
from linkage.roster.dates import parse_dates

BIRTH_LEVELS: tuple[str, ...] = (
    "conflict", "estimate far", "estimate near", "estimate overlaps", "within one year", "same year",
    "same year and month", "same date",
)
AGE_SLACK_YEARS = 2
"""Ages are estimated at intake: an age-only interval may miss the true year by this much."""
MAX_AGE = 120
_AGE = re.compile(r"(\d{1,3})(?:\.\d*)?")


def parse_ages(values: pd.Series) -> pd.Series:
    """Whole years from an age text (`35`, `35岁`, `约35`, `35.0`), Int32; None outside 0..MAX_AGE."""
    value_codes, uniques = pd.factorize(values.reset_index(drop=True))
    parsed = [_age(u) for u in uniques] + [None]
    ages = pd.Series(pd.array(parsed, dtype="Int32")[value_codes], index=values.index)
    return ages


def _age(value: object) -> int | None:
    match = _AGE.search(unicodedata.normalize("NFKC", str(value)))
    age = int(match[1]) if match else None
    return age if age is not None and age <= MAX_AGE else None


def birth_fields(birth_text: pd.Series, age_text: pd.Series, event_date: pd.Series) -> pd.DataFrame:
    """birth_date (day precision only), birth_year_lo/hi (Int32), birth_precision, birth_month (Int32 yyyymm).

    A date of any precision gives its year (lo = hi); else an age at a dated event gives
    event year - age - 1 .. event year - age (precision `age`).
    """
    dates, precision = parse_dates(birth_text.reset_index(drop=True))
    ages = parse_ages(age_text.reset_index(drop=True))
    event_year = pd.Series(pd.DatetimeIndex(event_date.to_numpy()).year, dtype="Int32")
    has_date = dates.notna()
    year = pd.Series(dates.dt.year, dtype="Int32")
    from_age = ~has_date & ages.notna() & event_year.notna()
    lo = year.where(has_date, (event_year - ages - 1).where(from_age))
    hi = year.where(has_date, (event_year - ages).where(from_age))
    month = (year * 100 + pd.Series(dates.dt.month, dtype="Int32")).where(precision.isin(["day", "month"]))
    frame = pd.DataFrame({
        "birth_date": dates.where(precision == "day").astype("datetime64[ns]"),
        "birth_year_lo": lo.astype("Int32"),
        "birth_year_hi": hi.astype("Int32"),
        "birth_precision": precision.where(has_date, pd.Series(np.where(from_age, "age", None))).astype(object),
        "birth_month": month.astype("Int32"),
    })
    frame["birth_precision"] = frame["birth_precision"].where(frame["birth_precision"].notna(), None)
    frame.index = birth_text.index
    return frame


def _int_or_missing(values: pd.Series) -> np.ndarray:
    return values.astype("Int64").fillna(-1).to_numpy(dtype=np.int64)


def effective_birth(fields: pd.DataFrame, id_birth_date: pd.Series, id_usable: pd.Series) -> pd.DataFrame:
    """Integer codes for comparison and blocking: the field where present, else the id's date.

    The id's date also refines a coarser field (a year alone) when its year lies in the field's
    interval; a conflicting id date is ignored (the written field wins).

    birth_day_code (days since 1970, -1 missing), birth_month_code (year*12+month-1, -1),
    birth_lo / birth_hi (years, -1), birth_exact (year known exactly, not from an age).
    """
    id_date = pd.Series(id_birth_date.to_numpy(), index=fields.index).where(id_usable.to_numpy())
    id_year = pd.Series(id_date.dt.year, index=fields.index, dtype="Int64")
    field_lo, field_hi = fields["birth_year_lo"].astype("Int64"), fields["birth_year_hi"].astype("Int64")
    consistent = (field_lo.isna() | ((field_lo <= id_year) & (id_year <= field_hi))).fillna(False)
    id_date = id_date.where(consistent.to_numpy(dtype=bool))
    day = fields["birth_date"].where(fields["birth_date"].notna(), id_date)
    id_month = pd.Series(id_date.dt.year * 100 + id_date.dt.month, index=fields.index, dtype="Int64")
    month = fields["birth_month"].astype("Int64").where(fields["birth_month"].notna(), id_month)
    lo = field_lo.where(field_lo.notna(), id_year)
    hi = field_hi.where(field_hi.notna(), id_year)
    month_code = _int_or_missing(month)
    return pd.DataFrame({
        "birth_day_code": np.where(day.notna(), day.to_numpy(dtype="datetime64[D]").astype(np.int64), -1),
        "birth_month_code": np.where(month_code >= 0, (month_code // 100) * 12 + month_code % 100 - 1, -1),
        "birth_lo": _int_or_missing(lo),
        "birth_hi": _int_or_missing(hi),
        "birth_exact": (fields["birth_precision"].to_numpy() != "age") & (_int_or_missing(lo) >= 0),
    }, index=fields.index)


_BIRTH_FIELDS = ("birth_lo", "birth_hi", "birth_exact", "birth_day_code", "birth_month_code")
BIRTH_FIELDS = RecordFields("birth", code_columns(*_BIRTH_FIELDS))
"""(records, _BIRTH_FIELDS) int32 matrix (years, day and month numbers fit)."""


def birth_levels(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Level of the `birth` comparison (see the module docstring)."""
    fields_l, fields_r = BIRTH_FIELDS.take(df, left), BIRTH_FIELDS.take(df, right)
    lo_l, hi_l, exact_l, day_l, month_l = (fields_l[:, k] for k in range(len(_BIRTH_FIELDS)))
    lo_r, hi_r, exact_r, day_r, month_r = (fields_r[:, k] for k in range(len(_BIRTH_FIELDS)))
    gap = np.maximum(np.maximum(lo_l, lo_r) - np.minimum(hi_l, hi_r), 0)
    known = (lo_l >= 0) & (lo_r >= 0)
    both_exact = (exact_l > 0) & (exact_r > 0)
    estimate = ~both_exact
    levels = estimate.astype(np.int8)
    levels[estimate & (gap >= 1) & (gap <= AGE_SLACK_YEARS)] = 2
    levels[estimate & (gap == 0)] = 3
    levels[both_exact & (gap == 1)] = 4
    levels[both_exact & (gap == 0)] = 5
    levels[(month_l >= 0) & (month_l == month_r)] = 6
    levels[(day_l >= 0) & (day_l == day_r)] = 7
    levels[~known] = -1
    return levels
