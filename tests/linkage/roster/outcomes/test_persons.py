"""persons.parquet rules: which record's value each person field takes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from linkage.roster.outcomes.persons import build_persons
from linkage.roster.outcomes.poverty import poverty_matches
from linkage.roster.outcomes.returns import find_returns
from schemas.outputs import PERSONS

_TEXT = ("source", "record_id", "name_norm", "sex", "id18", "id_status", "id_sex", "id_county",
         "county_code", "prefecture_code", "household_id", "exit_type", "poverty_status")
_DATES = ("id_birth_date", "birth_date", "event_date", "exit_date")
_YEARS = ("birth_year_lo", "birth_year_hi")
VALID_ID = "540102199001011234"   # synthetic; only the tests' own frames carry it


def _normalized(rows: list[dict]) -> pd.DataFrame:
    """A normalized frame: missing fields None / NaT / <NA>, as normalize_records leaves them."""
    frame = pd.DataFrame([{"id_status": "missing", **row} for row in rows])
    for column in _TEXT:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None) if column in frame else None
    for column in _DATES:
        frame[column] = pd.to_datetime(frame[column]) if column in frame else pd.NaT
    for column in _YEARS:
        frame[column] = frame[column].astype("Int32") if column in frame else pd.array([pd.NA] * len(frame), dtype="Int32")
    return frame


def _build(rows: list[dict], person_ids: list[str]) -> pd.DataFrame:
    normalized = _normalized(rows)
    links = pd.DataFrame({
        "source": normalized["source"], "record_id": normalized["record_id"],
        "person_id": person_ids, "match_probability": 0.98,
    })
    returns = find_returns(normalized, pd.Series(person_ids))
    return build_persons(normalized, links, returns, poverty_matches(normalized, links)).set_index("person_id")


def test_name_prefers_valid_id_or_registry_record_over_the_majority():
    persons = _build([
        {"source": "station", "record_id": "s1", "name_norm": "才仁多吉", "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p1", "name_norm": "才仁多吉", "event_date": "2021-02-01"},
        {"source": "poverty", "record_id": "v1", "name_norm": "次仁多吉"},
        {"source": "station", "record_id": "s2", "name_norm": "扎西", "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p2", "name_norm": "扎西", "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p3", "name_norm": "扎次", "event_date": "2021-01-01"},
    ], ["A", "A", "A", "B", "B", "B"])
    assert persons.loc["A", "name"] == "次仁多吉"
    assert persons.loc["B", "name"] == "扎西"


def test_id_fields_come_from_the_valid_id():
    persons = _build([
        {"source": "station", "record_id": "s1", "sex": "F", "id18": "540102199001011235", "id_status": "bad_check",
         "birth_date": "1991-05-05", "birth_year_lo": 1991, "birth_year_hi": 1991, "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p1", "sex": "F", "event_date": "2021-03-01"},
        {"source": "police", "record_id": "p2", "sex": "M", "id18": VALID_ID, "id_status": "valid", "id_sex": "M",
         "id_birth_date": "1990-01-01", "id_county": "540102", "event_date": "2021-02-01"},
    ], ["A", "A", "A"])
    row = persons.loc["A"]
    assert row["id_number"] == VALID_ID
    assert row["sex"] == "M"
    assert row["birth_date"] == pd.Timestamp("1990-01-01")
    assert row["birth_year"] == 1990
    assert row["home_county_code"] == "540102"
    assert row["home_prefecture_code"] == "540100"


def test_without_valid_id_majority_values_and_day_precision_birth_date():
    persons = _build([
        {"source": "station", "record_id": "s1", "sex": "F", "id18": "540102199001011235", "id_status": "bad_check",
         "birth_date": "1991-05-05", "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p1", "sex": "F", "event_date": "2021-03-01"},
        {"source": "police", "record_id": "p2", "sex": "M", "event_date": "2021-02-01"},
    ], ["A", "A", "A"])
    row = persons.loc["A"]
    assert (row["sex"], row["id_number"]) == ("F", "540102199001011235")
    assert (row["birth_date"], row["birth_year"]) == (pd.Timestamp("1991-05-05"), 1991)


def test_birth_year_from_exact_year_else_from_intersecting_ages():
    persons = _build([
        {"source": "police", "record_id": "p1", "birth_year_lo": 1985, "birth_year_hi": 1985, "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p2", "birth_year_lo": 1984, "birth_year_hi": 1985, "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p3", "birth_year_lo": 1979, "birth_year_hi": 1980, "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p4", "birth_year_lo": 1980, "birth_year_hi": 1981, "event_date": "2022-01-01"},
        {"source": "police", "record_id": "p5", "birth_year_lo": 1970, "birth_year_hi": 1971, "event_date": "2021-01-01"},
    ], ["A", "A", "B", "B", "C"])
    assert persons.loc["A", "birth_year"] == 1985
    assert persons.loc["B", "birth_year"] == 1980
    assert pd.isna(persons.loc["C", "birth_year"])
    assert pd.isna(persons.loc["C", "birth_date"])


def test_home_area_prefers_registry_records_then_id_county():
    persons = _build([
        {"source": "station", "record_id": "s1", "county_code": "540121", "prefecture_code": "540100", "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p1", "county_code": "540121", "prefecture_code": "540100", "event_date": "2021-01-01"},
        {"source": "village", "record_id": "w1", "county_code": "540222", "prefecture_code": "540200", "event_date": "2020-01-01"},
        {"source": "police", "record_id": "p2", "id18": VALID_ID, "id_status": "valid", "id_county": "540102", "event_date": "2021-01-01"},
        {"source": "police", "record_id": "p3", "prefecture_code": "540600", "event_date": "2021-01-01"},
    ], ["A", "A", "A", "B", "C"])
    assert (persons.loc["A", "home_county_code"], persons.loc["A", "home_prefecture_code"]) == ("540222", "540200")
    assert (persons.loc["B", "home_county_code"], persons.loc["B", "home_prefecture_code"]) == ("540102", "540100")
    assert pd.isna(persons.loc["C", "home_county_code"])
    assert persons.loc["C", "home_prefecture_code"] == "540600"


def test_counts_sources_dates_poverty_and_returns():
    persons = _build([
        {"source": "station", "record_id": "s1", "event_date": "2021-01-01", "exit_date": "2021-01-05", "exit_type": "escorted_home"},
        {"source": "police", "record_id": "p1", "event_date": "2021-06-01"},
        {"source": "poverty", "record_id": "v1", "household_id": "H7", "poverty_status": "未脱贫"},
        {"source": "poverty", "record_id": "v2", "household_id": "H8"},
        {"source": "village", "record_id": "w1", "event_date": "2019-03-01"},
    ], ["A", "A", "A", "B", "C"])
    a, b, c = persons.loc["A"], persons.loc["B"], persons.loc["C"]
    assert (a["n_records"], a["sources"], a["n_returns"]) == (3, ["police", "poverty", "station"], 1)
    assert (a["first_seen"], a["last_seen"]) == (pd.Timestamp("2021-01-01"), pd.Timestamp("2021-06-01"))
    assert (a["on_poverty_list"], a["poverty_household_id"], a["seen_in_city"]) == (True, "H7", True)
    assert (b["on_poverty_list"], b["poverty_household_id"], b["seen_in_city"]) == (True, "H8", False)
    assert pd.isna(b["first_seen"])
    assert (c["on_poverty_list"], c["n_returns"], c["sources"]) == (False, 0, ["village"])
    assert pd.isna(c["poverty_household_id"])


def test_household_of_the_best_linked_poverty_record():
    normalized = _normalized([
        {"source": "police", "record_id": "p1", "event_date": "2021-01-01"},
        {"source": "poverty", "record_id": "v1", "household_id": "H1"},
        {"source": "poverty", "record_id": "v2", "household_id": "H2"},
    ])
    links = pd.DataFrame({"source": normalized["source"], "record_id": normalized["record_id"],
                          "person_id": "A", "match_probability": [0.99, 0.96, 0.995]})
    persons = build_persons(normalized, links, find_returns(normalized, links["person_id"]),
                            poverty_matches(normalized, links))
    assert persons.loc[0, "poverty_household_id"] == "H2"


def test_converts_to_the_contract_schema_in_person_order():
    rng = np.random.default_rng(3)
    n = 500
    source = rng.choice(["station", "police", "village", "poverty"], n)
    persons = _build([
        {"source": s, "record_id": f"r{i}", "name_norm": f"名{i % 7}", "sex": rng.choice(["M", "F", None]),
         "event_date": None if s == "poverty" else "2021-01-01", "birth_year_lo": 1980, "birth_year_hi": 1981,
         "household_id": f"H{i}" if s == "poverty" else None}
        for i, s in enumerate(source)
    ], [f"P{i:03d}" for i in rng.integers(0, 150, n)]).reset_index()
    table = pa.Table.from_pandas(persons, schema=PERSONS, preserve_index=False)
    assert table.num_rows == persons["person_id"].nunique() == len(persons)
    assert persons["person_id"].is_monotonic_increasing
    assert int(persons["n_records"].sum()) == n
