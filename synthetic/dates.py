"""Dates written the ways rosters write them (all contract formats), and birth-date typos."""
from __future__ import annotations

import numpy as np

DAY = np.timedelta64(1, "D")
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


def _parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = (dates.astype("datetime64[M]").astype(np.int64) % 12) + 1
    days = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return years, months, days


def format_dates(dates: np.ndarray, formats: np.ndarray) -> np.ndarray:
    """Write each date (datetime64[D], NaT = blank) in its format label; None where NaT."""
    out = np.full(len(dates), None, dtype=object)
    present = ~np.isnat(dates)
    years, months, days = _parts(np.where(present, dates, np.datetime64("2000-01-01")))
    serial = (dates - _EXCEL_EPOCH).astype("timedelta64[D]").astype(np.int64)
    writers = {
        "iso": lambda y, m, d, s: f"{y:04d}-{m:02d}-{d:02d}",
        "slash": lambda y, m, d, s: f"{y}/{m}/{d}",
        "compact": lambda y, m, d, s: f"{y:04d}{m:02d}{d:02d}",
        "chinese": lambda y, m, d, s: f"{y}年{m}月{d}日",
        "dotted": lambda y, m, d, s: f"{y:04d}.{m:02d}.{d:02d}",
        "excel_serial": lambda y, m, d, s: str(s),
        "year": lambda y, m, d, s: str(y),
    }
    for i in np.flatnonzero(present):
        out[i] = writers[formats[i]](years[i], months[i], days[i], serial[i])
    return out


def birth_typos(rng: np.random.Generator, births: np.ndarray, hit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Off-by-one day, month or year, a year digit slip (ten years), or day and month swapped."""
    kinds = np.array(["day", "month", "year", "decade", "swap_day_month"], dtype=object)
    kind = np.where(hit, kinds[rng.integers(0, len(kinds), len(births))], None)
    out = births.copy()
    years, months, days = _parts(births)
    sign = np.where(rng.random(len(births)) < 0.5, -1, 1)
    for i in np.flatnonzero(hit):
        y, m, d = int(years[i]), int(months[i]), int(days[i])
        if kind[i] == "day":
            out[i] = births[i] + sign[i] * DAY
            continue
        if kind[i] == "month":
            m = (m - 1 + sign[i]) % 12 + 1
        elif kind[i] == "year":
            y += sign[i]
        elif kind[i] == "decade":
            y += 10 * sign[i]
        elif d <= 12 and d != m:
            m, d = d, m
        else:
            kind[i] = "day"
            out[i] = births[i] + sign[i] * DAY
            continue
        out[i] = _valid_date(y, m, d)
    return out, kind


def _valid_date(year: int, month: int, day: int) -> np.datetime64:
    """The date, or the last valid day of that month (29 Feb in a common year -> 28 Feb)."""
    month_start = np.datetime64(f"{year:04d}-{month:02d}", "M")
    last_day = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(int)
    return month_start.astype("datetime64[D]") + (min(day, last_day) - 1) * DAY


def age_at(births: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years of age on a date."""
    by, bm, bd = _parts(births)
    oy, om, od = _parts(on)
    return oy - by - ((om < bm) | ((om == bm) & (od < bd))).astype(np.int64)
