"""Returns after an escort home: strictly later city records, first one named, buckets."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from linkage.roster.outcomes.returns import days_bucket, find_returns
from schemas.outputs import RETURN_BUCKETS, RETURNS


def _normalized(rows: list[dict]) -> pd.DataFrame:
    """A normalized-like frame with only the columns find_returns reads."""
    frame = pd.DataFrame(rows, columns=["source", "record_id", "event_date", "exit_date", "exit_type"])
    for column in ("event_date", "exit_date"):
        frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    return frame.astype({"source": object, "record_id": object, "exit_type": object})


def test_first_later_city_record_is_the_return():
    normalized = _normalized([
        {"source": "station", "record_id": "s1", "event_date": "2021-01-01", "exit_date": "2021-01-10", "exit_type": "escorted_home"},
        {"source": "police", "record_id": "p2", "event_date": "2021-09-01"},
        {"source": "station", "record_id": "s3", "event_date": "2021-03-01", "exit_date": "2021-03-05", "exit_type": "left"},
        {"source": "village", "record_id": "v4", "event_date": "2021-02-01"},
    ])
    returns = find_returns(normalized, pd.Series(["A", "A", "A", "A"]))
    assert len(returns) == 1
    row = returns.iloc[0]
    assert (row["escort_record_id"], row["return_source"], row["return_record_id"]) == ("s1", "station", "s3")
    assert row["escort_date"] == pd.Timestamp("2021-01-10")
    assert row["return_date"] == pd.Timestamp("2021-03-01")
    assert row["days_to_return"] == 50
    assert row["days_bucket"] == "0-180"
    assert row["exit_type"] == "escorted_home"


def test_same_day_record_and_other_persons_are_not_returns():
    normalized = _normalized([
        {"source": "station", "record_id": "s1", "event_date": "2021-01-01", "exit_date": "2021-01-10", "exit_type": "handed_over"},
        {"source": "police", "record_id": "p1", "event_date": "2021-01-10"},
        {"source": "police", "record_id": "p2", "event_date": "2021-05-01"},
    ])
    assert find_returns(normalized, pd.Series(["A", "A", "B"])).empty


def test_one_row_per_escort_and_non_escort_exits_ignored():
    normalized = _normalized([
        {"source": "station", "record_id": "s1", "event_date": "2020-01-01", "exit_date": "2020-01-05", "exit_type": "escorted_home"},
        {"source": "station", "record_id": "s2", "event_date": "2021-02-01", "exit_date": "2021-02-05", "exit_type": "escorted_home"},
        {"source": "police", "record_id": "p3", "event_date": "2023-06-01"},
        {"source": "station", "record_id": "s4", "event_date": "2024-01-01", "exit_date": "2024-01-03", "exit_type": "medical"},
        {"source": "police", "record_id": "p5", "event_date": "2024-02-01"},
    ])
    returns = find_returns(normalized, pd.Series(["A"] * 5))
    assert list(returns["escort_record_id"]) == ["s1", "s2"]
    assert list(returns["return_record_id"]) == ["s2", "p3"]
    assert list(returns["days_bucket"]) == ["366-730", ">730"]


def test_escort_row_with_intake_after_exit_is_not_its_own_return():
    normalized = _normalized([
        {"source": "station", "record_id": "s1", "event_date": "2021-02-01", "exit_date": "2021-01-10", "exit_type": "escorted_home"},
        {"source": "police", "record_id": "p2", "event_date": "2021-03-01"},
    ])
    returns = find_returns(normalized, pd.Series(["A", "A"]))
    assert list(returns["return_record_id"]) == ["p2"]


def test_same_day_returns_ordered_by_source_then_record_id():
    normalized = _normalized([
        {"source": "station", "record_id": "s1", "event_date": "2021-01-01", "exit_date": "2021-01-10", "exit_type": "escorted_home"},
        {"source": "station", "record_id": "s9", "event_date": "2021-04-01"},
        {"source": "police", "record_id": "p8", "event_date": "2021-04-01"},
    ])
    assert find_returns(normalized, pd.Series(["A"] * 3))["return_record_id"].tolist() == ["p8"]


@pytest.mark.parametrize(
    ("days", "bucket"), [(1, "0-180"), (180, "0-180"), (181, "181-365"), (365, "181-365"),
                         (366, "366-730"), (730, "366-730"), (731, ">730")],
)
def test_bucket_edges(days: int, bucket: str):
    assert days_bucket(np.array([days]))[0] == bucket
    assert bucket in RETURN_BUCKETS


def test_output_converts_to_the_contract_schema():
    normalized = _normalized([
        {"source": "station", "record_id": "s1", "event_date": "2021-01-01", "exit_date": "2021-01-10 15:30", "exit_type": "escorted_home"},
        {"source": "police", "record_id": "p2", "event_date": "2021-01-11 08:00"},
    ])
    returns = find_returns(normalized, pd.Series(["A", "A"]))
    assert returns.loc[0, "days_to_return"] == 1
    table = pa.Table.from_pandas(returns, schema=RETURNS, preserve_index=False)
    assert table.num_rows == 1
    empty = find_returns(normalized.iloc[:1], pd.Series(["A"]))
    assert pa.Table.from_pandas(empty, schema=RETURNS, preserve_index=False).num_rows == 0


def test_missing_person_id_is_refused():
    normalized = _normalized([{"source": "police", "record_id": "p1", "event_date": "2021-01-01"}])
    with pytest.raises(ValueError, match="missing on 1 rows"):
        find_returns(normalized, pd.Series([None]))


def test_matches_a_plain_loop_on_random_data():
    rng = np.random.default_rng(7)
    n = 3000
    days = rng.integers(0, 2000, n)
    source = rng.choice(["station", "police", "village", "poverty"], n)
    exit_days = days + rng.integers(-2, 30, n)
    normalized = pd.DataFrame({
        "source": source.astype(object),
        "record_id": [f"r{i}" for i in range(n)],
        "event_date": pd.to_datetime("2018-01-01") + pd.to_timedelta(days, unit="D"),
        "exit_date": (pd.to_datetime("2018-01-01") + pd.to_timedelta(exit_days, unit="D")).where(source == "station"),
        "exit_type": pd.Series(rng.choice(["escorted_home", "handed_over", "left"], n), dtype=object).where(source == "station"),
    })
    persons = pd.Series(rng.integers(0, 400, n).astype(str))
    returns = find_returns(normalized, persons)

    rows_of_person = persons.groupby(persons).indices
    expected = {}
    for i in np.flatnonzero((source == "station") & normalized["exit_type"].isin(["escorted_home", "handed_over"])):
        later = [
            (days[j], source[j], f"r{j}") for j in rows_of_person[persons[i]]
            if j != i and source[j] in ("station", "police") and days[j] > exit_days[i]
        ]
        if later:
            expected[f"r{i}"] = min(later)[2]
    assert dict(zip(returns["escort_record_id"], returns["return_record_id"], strict=True)) == expected
