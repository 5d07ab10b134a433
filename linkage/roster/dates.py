"""Parse the date spellings rosters use (ISO, slashes, 8 digits, 年月日, Excel serials, a year alone).

Every text is NFKC-normalised first (full-width digits and punctuation become ASCII).
Accepted, with the precision each gives:

- day: ``1985-03-07``, ``1985/3/7``, ``1985.03.07`` (one separator throughout), optionally
  followed by a time part (``1985-03-07 00:00:00``, ``1985-03-07T08:30``) as Excel or
  Parquet exports give; ``19850307``; ``1985年3月7日`` (``日`` or ``号`` optional); an Excel
  serial day number written as text (``31113``, ``31113.0``: five digits, 1900 date system,
  fraction = time of day, ignored).
- month: ``1985-03``, ``1985/3``, ``1985.3``, ``1985年3月`` (value = first day of the month).
- year: ``1985``, ``1985年`` (value = 1 January).

A year outside 1900..2100, an impossible calendar date (1985-02-30) or any other text gives
``value=None`` and ``precision=None``, as does a blank.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Precision = Literal["day", "month", "year"]

MIN_YEAR = 1900
MAX_YEAR = 2100
# Excel's 1900 date system counts days from 1899-12-30 for every serial after its fictitious
# 1900-02-29 (serial 60); five-digit serials (10000 = 1927-05-18) are the only ones read, so
# the 1900 leap-year bug never applies and a four-digit text stays a year.
EXCEL_EPOCH = dt.date(1899, 12, 30)

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DAY_SEPARATED = re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME)
_DAY_CHINESE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?")
_DAY_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EXCEL_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?")
_MONTH = re.compile(r"(\d{4})(?:[-/.](\d{1,2})|年(\d{1,2})月?)")
_YEAR = re.compile(r"(\d{4})年?")


@dataclass(frozen=True)
class ParsedDate:
    """A parsed date and how much of it the text gave; both None when unreadable."""

    value: dt.date | None
    precision: Precision | None


UNREADABLE = ParsedDate(None, None)


def _checked(year: int, month: int, day: int, precision: Precision) -> ParsedDate:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return UNREADABLE
    try:
        return ParsedDate(dt.date(year, month, day), precision)
    except ValueError:
        return UNREADABLE


def _from_excel_serial(serial: int) -> ParsedDate:
    value = EXCEL_EPOCH + dt.timedelta(days=serial)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return UNREADABLE
    return ParsedDate(value, "day")


def parse_date_text(text: str | None) -> ParsedDate:
    """Parse one date text of any accepted spelling (see the module docstring)."""
    if text is None:
        return UNREADABLE
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        return UNREADABLE
    for pattern in (_DAY_SEPARATED, _DAY_CHINESE):
        match = pattern.fullmatch(cleaned)
        if match:
            return _checked(int(match["y"]), int(match["m"]), int(match["d"]), "day")
    match = _DAY_COMPACT.fullmatch(cleaned)
    if match:
        return _checked(int(match[1]), int(match[2]), int(match[3]), "day")
    match = _EXCEL_SERIAL.fullmatch(cleaned)
    if match:
        return _from_excel_serial(int(match[1]))
    match = _MONTH.fullmatch(cleaned)
    if match:
        return _checked(int(match[1]), int(match[2] or match[3]), 1, "month")
    match = _YEAR.fullmatch(cleaned)
    if match:
        return _checked(int(match[1]), 1, 1, "year")
    return UNREADABLE


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a text column: (datetime64[ns] with NaT, precision str/None), each distinct text once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = [parse_date_text(str(u)) for u in uniques]
    # one extra slot at the end for the NA sentinel (-1 indexes it)
    unique_dates = np.array(
        [np.datetime64(p.value, "ns") if p.value else np.datetime64("NaT", "ns") for p in parsed]
        + [np.datetime64("NaT", "ns")],
        dtype="datetime64[ns]",
    )
    unique_precisions = np.array([p.precision for p in parsed] + [None], dtype=object)
    dates = pd.Series(unique_dates[codes], index=values.index, name=values.name)
    precisions = pd.Series(unique_precisions[codes], index=values.index, name=values.name, dtype=object)
    return dates, precisions
