"""returns_by_cohort.parquet: of the persons escorted home (or handed over) in a period, the share
seen again in the city within 180, 365 and 730 days (after HUD's System Performance Measure 2).

Rules:
- Escorts: station rows whose exit type is escorted_home or handed_over, with an exit date.
- Cohort: the calendar period (COHORT_PERIOD, a quarter by default) of the exit date, crossed
  with the person's home prefecture and county (persons.parquet; empty when unknown).
- Each person counts once per cohort, from their first escort in that period; that escort's
  return is its returns.parquet row (the first later station intake or police encounter), so
  one escort has at most one return.
- returned_<w> is the share of the cohort's escorts whose return came within w days;
  returns_within_<w> the count. Both are null while the cohort is too young: when the cohort's
  last day plus w days is after `as_of`, the latest event date in the data (latest_event_date).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.contract import ESCORT_EXIT_TYPES, ESCORT_SOURCE
from schemas.outputs import COHORT_WINDOWS_DAYS

WINDOWS_DAYS: tuple[int, ...] = COHORT_WINDOWS_DAYS
COHORT_PERIOD = "Q"
"""Pandas period code of a cohort: "Q" (calendar quarter) or "M" (month)."""


def latest_event_date(normalized: pd.DataFrame) -> pd.Timestamp | None:
    """The latest event or exit date of any record: the day the data ends, cohorts are measured to."""
    dates = pd.concat([pd.to_datetime(normalized["event_date"]), pd.to_datetime(normalized["exit_date"])])
    latest = dates.max()
    return None if pd.isna(latest) else pd.Timestamp(latest).normalize()


def escorts(normalized: pd.DataFrame, person_id: pd.Series) -> pd.DataFrame:
    """Every escort row: person_id, escort_source, escort_record_id, escort_date (exit date)."""
    rows = ((normalized["source"] == ESCORT_SOURCE) & normalized["exit_type"].isin(list(ESCORT_EXIT_TYPES))
            & normalized["exit_date"].notna()).to_numpy()
    return pd.DataFrame({
        "person_id": np.asarray(person_id, dtype=object)[rows],
        "escort_source": normalized["source"].to_numpy(dtype=object)[rows],
        "escort_record_id": normalized["record_id"].to_numpy(dtype=object)[rows],
        "escort_date": pd.to_datetime(normalized["exit_date"]).dt.normalize().to_numpy()[rows],
    })


def _empty() -> pd.DataFrame:
    columns = {"cohort_start": "datetime64[ns]", "cohort_end": "datetime64[ns]", "home_prefecture_code": object,
               "home_county_code": object, "escorts": "Int32"}
    for w in WINDOWS_DAYS:
        columns[f"returned_{w}"] = "float64"
        columns[f"returns_within_{w}"] = "Int32"
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in columns.items()})


def returns_by_cohort(escort_rows: pd.DataFrame, returns: pd.DataFrame, persons: pd.DataFrame,
                      as_of: pd.Timestamp | None, period: str = COHORT_PERIOD) -> pd.DataFrame:
    """One row per (cohort period, home prefecture, home county), columns of schemas.outputs.RETURNS_BY_COHORT."""
    if escort_rows.empty or as_of is None:
        return _empty()
    first = escort_rows.assign(period=pd.to_datetime(escort_rows["escort_date"]).dt.to_period(period)).sort_values(
        ["person_id", "period", "escort_date", "escort_record_id"], kind="stable").drop_duplicates(["person_id", "period"])
    days = returns.set_index(["escort_source", "escort_record_id"])["days_to_return"]
    first["days"] = days.reindex(pd.MultiIndex.from_frame(first[["escort_source", "escort_record_id"]])).to_numpy()
    home = persons.set_index("person_id")[["home_prefecture_code", "home_county_code"]]
    first = first.join(home, on="person_id")
    first["cohort_start"] = first["period"].dt.start_time
    first["cohort_end"] = first["period"].dt.end_time.dt.normalize()
    keys = ["cohort_start", "cohort_end", "home_prefecture_code", "home_county_code"]
    grouped = first.groupby(keys, dropna=False)
    table = grouped.size().rename("escorts").reset_index()
    for w in WINDOWS_DAYS:
        within = grouped["days"].apply(lambda d, w=w: int((pd.to_numeric(d) <= w).sum())).to_numpy()
        measurable = (table["cohort_end"] + pd.Timedelta(days=w) <= as_of).to_numpy()
        table[f"returns_within_{w}"] = pd.array(np.where(measurable, within, 0), dtype="Int32")
        table.loc[~measurable, f"returns_within_{w}"] = pd.NA
        table[f"returned_{w}"] = (table[f"returns_within_{w}"].astype("Float64") / table["escorts"]).astype("float64")
    table["escorts"] = pd.array(table["escorts"], dtype="Int32")
    return table[list(_empty().columns)].sort_values(keys, kind="stable", na_position="last", ignore_index=True)


def overall_by_period(table: pd.DataFrame) -> pd.DataFrame:
    """The cohort table summed over home areas: one row per cohort period, shares recomputed from counts."""
    counts = ["escorts", *[f"returns_within_{w}" for w in WINDOWS_DAYS]]
    grouped = table.groupby(["cohort_start", "cohort_end"])[counts].sum(min_count=1).reset_index()
    for w in WINDOWS_DAYS:
        measured = table.groupby(["cohort_start", "cohort_end"])[f"returns_within_{w}"].apply(
            lambda s: s.notna().all()).to_numpy()
        grouped[f"returns_within_{w}"] = grouped[f"returns_within_{w}"].astype("Int64").where(measured, pd.NA)
        grouped[f"returned_{w}"] = (grouped[f"returns_within_{w}"].astype("Float64") / grouped["escorts"]).astype(
            "float64")
    return grouped


def cohort_summary(table: pd.DataFrame, as_of: pd.Timestamp | None, period: str = COHORT_PERIOD) -> dict:
    """The run_summary section: the rule, the date measured to, and the shares per cohort period."""
    overall = overall_by_period(table) if len(table) else table
    return {
        "period": {"Q": "quarter", "M": "month"}.get(period, period),
        "measured_to": None if as_of is None else as_of.date().isoformat(),
        "windows_days": list(WINDOWS_DAYS),
        "rule": "each person's first escort home or hand-over in the period, at most one return per escort; "
                "a window is null while the period's last day plus the window is after measured_to",
        "cohorts": [
            {"cohort_start": pd.Timestamp(row.cohort_start).date().isoformat(), "escorts": int(row.escorts),
             **{f"returned_{w}": None if pd.isna(getattr(row, f"returned_{w}")) else
                round(float(getattr(row, f"returned_{w}")), 4) for w in WINDOWS_DAYS}}
            for row in overall.itertuples(index=False)
        ],
    }
