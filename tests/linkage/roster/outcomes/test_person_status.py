"""person_status: active / returned / inactive as the data's last date moves on."""
from __future__ import annotations

import pandas as pd

from linkage.roster.outcomes.persons import person_status

PERSONS = pd.DataFrame({"person_id": ["A", "B", "C"]})
CITY = pd.DataFrame({"person_id": ["A", "A", "B"],
                     "event_date": pd.to_datetime(["2022-01-01", "2022-03-01", "2022-02-20"])})
RETURNS = pd.DataFrame({"person_id": ["A"], "return_date": pd.to_datetime(["2022-03-01"])})


def _status(as_of: str, days: int = 90) -> dict[str, str]:
    table = person_status(PERSONS, CITY, RETURNS, pd.Timestamp(as_of), days)
    return dict(zip(table["person_id"], table["status"]))


def test_transitions_over_time():
    assert _status("2022-03-10") == {"A": "returned", "B": "active", "C": "inactive"}
    assert _status("2022-05-25") == {"A": "returned", "B": "inactive", "C": "inactive"}
    assert _status("2022-06-15") == {"A": "inactive", "B": "inactive", "C": "inactive"}


def test_the_window_is_configurable():
    assert _status("2022-03-10", days=9) == {"A": "returned", "B": "inactive", "C": "inactive"}
    assert _status("2022-03-10", days=8) == {"A": "inactive", "B": "inactive", "C": "inactive"}


def test_last_seen_in_the_city():
    table = person_status(PERSONS, CITY, RETURNS, pd.Timestamp("2022-03-10"), 90)
    assert table["last_seen_in_city"].tolist()[:2] == [pd.Timestamp("2022-03-01"), pd.Timestamp("2022-02-20")]
    assert pd.isna(table["last_seen_in_city"].iloc[2])
