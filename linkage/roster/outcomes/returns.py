"""Returns: a person escorted home (or handed over) from a station who is met in the city again.

Rule (CONTRACT.md): a station row whose exit type is escorted_home or handed_over, with exit
date d, is followed by a return when the same person has a station intake or a police
encounter dated strictly after d. A record dated on d itself is not a return: the exit day
is the day of the escort or hand-over itself (a same-day police record is typically the
hand-over), and an intake on the day of leaving cannot be told apart from the stay that
ended. One row per escort that is followed by a return, naming the first later record
(ties on the same day broken by source, then record_id). The escort row itself never counts
as its own return, even when its intake date is (wrongly) later than its exit date.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.contract import CITY_SOURCES, ESCORT_EXIT_TYPES, ESCORT_SOURCE
from schemas.outputs import RETURN_BUCKETS, RETURNS

# Upper bound (inclusive) in days of each bucket of schemas.outputs.RETURN_BUCKETS but the last.
_BUCKET_UPPER_DAYS: tuple[int, ...] = (180, 365, 730)
_DAY = np.timedelta64(1, "D")


def days_bucket(days: np.ndarray) -> np.ndarray:
    """Label each days-to-return count with its RETURN_BUCKETS bucket."""
    positions = np.searchsorted(np.asarray(_BUCKET_UPPER_DAYS), days, side="left")
    return np.asarray(RETURN_BUCKETS, dtype=object)[positions]


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Whole days since the epoch (time of day dropped); only for non-NaT dates."""
    return (dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]") - np.datetime64(0, "D")) // _DAY


def _empty_returns() -> pd.DataFrame:
    return pd.DataFrame({field.name: pd.Series(dtype=_dtype_of(field.name)) for field in RETURNS})


def _dtype_of(column: str) -> str:
    if column.endswith("_date"):
        return "datetime64[ns]"
    if column == "days_to_return":
        return "Int32"
    return "object"


def find_returns(normalized: pd.DataFrame, person_id: pd.Series) -> pd.DataFrame:
    """One row per escort followed by a return, columns of schemas.outputs.RETURNS.

    person_id holds one person id per row of normalized, in the same row order.
    """
    if len(person_id) != len(normalized):
        raise ValueError(f"person_id has {len(person_id)} rows, normalized has {len(normalized)}")
    persons = np.asarray(person_id, dtype=object)
    if pd.isna(persons).any():
        raise ValueError(f"person_id is missing on {int(pd.isna(persons).sum())} rows")
    source = normalized["source"].to_numpy(dtype=object)
    exit_date = normalized["exit_date"]
    event_date = normalized["event_date"]

    is_escort = (
        (source == ESCORT_SOURCE)
        & normalized["exit_type"].isin(ESCORT_EXIT_TYPES).to_numpy()
        & exit_date.notna().to_numpy()
    )
    is_city = np.isin(source, list(CITY_SOURCES)) & event_date.notna().to_numpy()
    if not is_escort.any() or not is_city.any():
        return _empty_returns()

    escort_rows = np.flatnonzero(is_escort)
    city_rows = np.flatnonzero(is_city)
    person_codes, _ = pd.factorize(persons)
    escort_days = _day_numbers(exit_date.iloc[escort_rows])
    city_days = _day_numbers(event_date.iloc[city_rows])

    # One sortable int64 key per row: person code major, day minor.
    first_day = min(escort_days.min(), city_days.min())
    span = max(escort_days.max(), city_days.max()) - first_day + 2
    city_order = np.lexsort((
        normalized["record_id"].to_numpy(dtype=object)[city_rows].astype(str),
        source[city_rows].astype(str),
        city_days,
        person_codes[city_rows],
    ))
    city_rows = city_rows[city_order]
    city_days = city_days[city_order]
    city_keys = person_codes[city_rows].astype(np.int64) * span + (city_days - first_day)
    escort_keys = person_codes[escort_rows].astype(np.int64) * span + (escort_days - first_day)

    # First city record of the same person strictly after the exit day ...
    found = np.searchsorted(city_keys, escort_keys, side="right")
    # ... skipping the escort row itself when its own intake is dated after its exit.
    found_in_range = found < len(city_rows)
    is_self = np.zeros(len(found), dtype=bool)
    is_self[found_in_range] = city_rows[found[found_in_range]] == escort_rows[found_in_range]
    found = found + is_self
    found_in_range = found < len(city_rows)
    same_person = np.zeros(len(found), dtype=bool)
    same_person[found_in_range] = (
        person_codes[city_rows[found[found_in_range]]] == person_codes[escort_rows[found_in_range]]
    )
    if not same_person.any():
        return _empty_returns()

    escorts = escort_rows[same_person]
    return_positions = found[same_person]
    returns_rows = city_rows[return_positions]
    days = (city_days[return_positions] - escort_days[same_person]).astype(np.int64)
    record_id = normalized["record_id"].to_numpy(dtype=object)
    result = pd.DataFrame({
        "person_id": persons[escorts],
        "escort_source": source[escorts],
        "escort_record_id": record_id[escorts],
        "escort_date": exit_date.iloc[escorts].dt.normalize().to_numpy(),
        "return_source": source[returns_rows],
        "return_record_id": record_id[returns_rows],
        "return_date": event_date.iloc[returns_rows].dt.normalize().to_numpy(),
        "days_to_return": pd.array(days, dtype="Int32"),
        "days_bucket": days_bucket(days),
        "exit_type": normalized["exit_type"].to_numpy(dtype=object)[escorts],
    })
    return result.sort_values(
        ["person_id", "escort_date", "escort_record_id"], kind="stable", ignore_index=True
    )
