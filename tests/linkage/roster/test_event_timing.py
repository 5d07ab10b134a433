import numpy as np
import pandas as pd

from linkage.roster.event_timing import EVENT_TIMING_LEVELS, event_timing_levels
from linkage.roster.normalize import normalize_records


def _df() -> pd.DataFrame:
    return normalize_records(pd.DataFrame({
        "source": ["station", "police", "station", "police", "village", "station", "police"],
        "record_id": list("abcdefg"), "file": "f.csv", "row_number": range(1, 8),
        "name": ["扎西次仁"] * 7,
        "intake_date": ["2022-05-03", None, "2022-05-06", None, None, "2022-08-01", None],
        "exit_date": ["2022-05-10", None, None, None, None, None, None],
        "event_date": [None, "2022-05-01", None, "2022-05-07", "2022-05-02", None, None],
    }))


def test_levels_follow_the_module_table():
    df = _df()
    left = np.array([1, 0, 0, 1, 1, 4, 1, 0])
    right = np.array([0, 2, 3, 3, 2, 0, 6, 5])
    levels = event_timing_levels(df, left, right)
    assert [EVENT_TIMING_LEVELS[v] if v >= 0 else None for v in levels] == [
        "referral window",   # police 05-01, intake 05-03
        "stays overlap",     # second intake inside the stay 05-03..05-10
        "stays overlap",     # police 05-07 inside the stay
        "within 90 days",    # two police encounters 6 days apart
        "within 90 days",    # police 05-01, intake 05-06: 5 days
        None,                # village rows say nothing about events in the city
        None,                # police record without a date
        "within 90 days",    # later stay, after the exit
    ]


def test_a_stay_without_exit_date_never_overlaps():
    df = _df()
    # c (intake 05-06, still in the station) and f (08-01): no exit date, no overlap claim
    assert EVENT_TIMING_LEVELS[event_timing_levels(df, np.array([2]), np.array([5]))[0]] == "within 90 days"


def test_city_pairs_are_graded_by_days_apart():
    df = normalize_records(pd.DataFrame({
        "source": ["police"] * 5, "record_id": list("abcde"), "file": "f.csv", "row_number": range(1, 6),
        "name": ["扎西次仁"] * 5,
        "event_date": ["2020-01-01", "2020-03-01", "2020-09-01", "2021-06-01", "2023-01-01"],
    }))
    levels = event_timing_levels(df, np.zeros(4, dtype=np.int64), np.arange(1, 5))
    assert [EVENT_TIMING_LEVELS[v] for v in levels] == [
        "within 90 days", "within a year", "one to two years apart", "over two years apart"]
