"""returns_by_cohort: shares within 180/365/730 days, one person once per cohort, null while too young."""
from __future__ import annotations

import pandas as pd

from linkage.roster.outcomes.cohorts import escorts, latest_event_date, returns_by_cohort


def _escorts(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"person_id": [r[0] for r in rows], "escort_source": "station",
                         "escort_record_id": [r[1] for r in rows], "escort_date": pd.to_datetime([r[2] for r in rows])})


def _returns(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame({"person_id": [r[0] for r in rows], "escort_source": "station",
                         "escort_record_id": [r[1] for r in rows], "days_to_return": pd.array([r[2] for r in rows],
                                                                                               dtype="Int32")})


def _persons(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"person_id": ids, "home_prefecture_code": "540100", "home_county_code": "540102"})


def test_three_escorts_one_back_at_100_days_one_at_400():
    escort_rows = _escorts([("A", "s1", "2021-01-10"), ("B", "s2", "2021-02-01"), ("C", "s3", "2021-03-20")])
    table = returns_by_cohort(escort_rows, _returns([("A", "s1", 100), ("B", "s2", 400)]), _persons(["A", "B", "C"]),
                              as_of=pd.Timestamp("2024-01-01"))
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["cohort_start"], row["cohort_end"]) == (pd.Timestamp("2021-01-01"), pd.Timestamp("2021-03-31"))
    assert row["escorts"] == 3
    assert row["returned_180"] == 1 / 3 and row["returned_365"] == 1 / 3 and row["returned_730"] == 2 / 3
    assert (row["returns_within_180"], row["returns_within_730"]) == (1, 2)


def test_a_young_cohort_is_not_measured_and_a_person_counts_once_per_cohort():
    escort_rows = _escorts([("A", "s1", "2021-01-10"), ("A", "s9", "2021-02-10"), ("B", "s2", "2021-02-01")])
    table = returns_by_cohort(escort_rows, _returns([("A", "s1", 20), ("A", "s9", 30)]), _persons(["A", "B"]),
                              as_of=pd.Timestamp("2022-01-01"))
    row = table.iloc[0]
    assert row["escorts"] == 2 and row["returned_180"] == 0.5
    assert pd.isna(row["returned_365"]) and pd.isna(row["returned_730"]) and pd.isna(row["returns_within_365"])


def test_escorts_and_latest_date_from_normalized_rows():
    normalized = pd.DataFrame({
        "source": ["station", "station", "police"], "record_id": ["s1", "s2", "p1"],
        "exit_type": ["escorted_home", "left", None],
        "exit_date": pd.to_datetime(["2021-01-05", "2021-01-06", None]),
        "event_date": pd.to_datetime(["2021-01-01", "2021-01-02", "2021-07-01"]),
    })
    found = escorts(normalized, pd.Series(["A", "B", "A"]))
    assert found["escort_record_id"].tolist() == ["s1"]
    assert latest_event_date(normalized) == pd.Timestamp("2021-07-01")
