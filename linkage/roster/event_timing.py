"""Comparison of two records' events in the city: police referrals and station stays.

The police refer the people they meet to the relief station: a police record dated d and a
station intake on d, d+1 or d+2 are often one referral seen from both sides. And one person
is in the station once at a time: a second intake strictly inside another stay (after its
intake day, before its exit day) is another person. A person's city records come in spells
(one stay in the city brings encounters and intakes weeks apart), so records close in time
are more often one person than records years apart: the other pairs are graded by the days
between their event dates.

| level | label | when |
|---|---|---|
| -1 | missing | a date missing, or a pair this comparison says nothing about (village, poverty) |
| 0 | stays overlap | station/station: one intake strictly inside the other stay; police/station: the police date strictly inside the stay |
| 1 | over two years apart | any other station or police pair, more than 730 days apart |
| 2 | one to two years apart | 366 .. 730 days |
| 3 | within a year | 91 .. 365 days |
| 4 | within 90 days | 0 .. 90 days |
| 5 | referral window | police date d, station intake on d .. d + REFERRAL_DAYS |

Police/police pairs are graded like the others (two encounters of one spell are days apart).
Like every level, m and u are trained (EM and random pairs), so a roster without referrals
gives the referral level no weight.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.engine.levels import RecordFields, Rows
from schemas.contract import CITY_SOURCES, ESCORT_SOURCE

EVENT_TIMING_LEVELS: tuple[str, ...] = ("stays overlap", "over two years apart", "one to two years apart",
                                         "within a year", "within 90 days", "referral window")
REFERRAL_DAYS = 2
GAP_LEVEL_DAYS: tuple[int, ...] = (730, 365, 90)
"""Upper bounds (days apart, inclusive) of levels 2, 3 and 4; more than the first is level 1."""


def event_days(df: pd.DataFrame) -> np.ndarray:
    """Day number of each record's event (station intake, police encounter...), -1 if unknown."""
    return _days(df, "event_date")


def _days(df: pd.DataFrame, column: str) -> np.ndarray:
    """Day number of a datetime column, -1 where missing."""
    if column not in df:
        return np.full(len(df), -1, dtype=np.int64)
    values = pd.to_datetime(df[column], errors="coerce").to_numpy(dtype="datetime64[D]")
    days = values.astype(np.int64)
    return np.where(np.isnat(values), -1, days)


def _inside_stay(day: np.ndarray, intake: np.ndarray, exit_day: np.ndarray) -> np.ndarray:
    """``day`` strictly after the intake day and strictly before the exit day (exit known)."""
    return (exit_day >= 0) & (day > intake) & (day < exit_day)


STATION, POLICE = 1, 2
"""Source kinds: STATION, a city source with stays (intake, exit); POLICE, a city source of single
meetings, which may refer a person to a station."""


def source_kind(df: pd.DataFrame) -> np.ndarray:
    """int8 per record: STATION, POLICE or 0 (a small array to gather from, not strings)."""
    source = df["source"].to_numpy(dtype=object)
    kind = np.zeros(len(df), dtype=np.int8)
    kind[source == ESCORT_SOURCE] = STATION
    kind[np.isin(source, sorted(CITY_SOURCES - {ESCORT_SOURCE}))] = POLICE
    return kind


def _timing_fields(df: pd.DataFrame, rows: Rows) -> np.ndarray:
    """(rows, 3) int32: source kind, event day, exit day (-1 unknown; day numbers fit)."""
    return np.stack([source_kind(df)[rows], event_days(df)[rows], _days(df, "exit_date")[rows]],
                    axis=1).astype(np.int32)


TIMING_FIELDS = RecordFields("event_timing", _timing_fields)


def event_timing_levels(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Level of the event-timing comparison for each pair (see the module docstring)."""
    fields_l, fields_r = TIMING_FIELDS.take(df, left), TIMING_FIELDS.take(df, right)
    kind_l, day_l, exit_l = fields_l[:, 0], fields_l[:, 1], fields_l[:, 2]
    kind_r, day_r, exit_r = fields_r[:, 0], fields_r[:, 1], fields_r[:, 2]
    station_l, station_r = kind_l == STATION, kind_r == STATION
    police_l, police_r = kind_l == POLICE, kind_r == POLICE
    levels = np.full(len(left), -1, dtype=np.int8)
    city = (kind_l > 0) & (kind_r > 0) & (day_l >= 0) & (day_r >= 0)
    apart = np.abs(day_r - day_l)
    levels[city] = 1
    for level, bound in enumerate(GAP_LEVEL_DAYS, start=2):
        levels[city & (apart <= bound)] = level

    overlap = station_l & station_r & (_inside_stay(day_l, day_r, exit_r) | _inside_stay(day_r, day_l, exit_l))
    police_in_stay = (police_l & station_r & _inside_stay(day_l, day_r, exit_r)) | (
        police_r & station_l & _inside_stay(day_r, day_l, exit_l))
    levels[city & (overlap | police_in_stay)] = 0

    gap = day_r - day_l
    referral = (police_l & station_r & (gap >= 0) & (gap <= REFERRAL_DAYS)) | (
        police_r & station_l & (gap <= 0) & (gap >= -REFERRAL_DAYS))
    levels[city & referral] = len(EVENT_TIMING_LEVELS) - 1
    return levels
