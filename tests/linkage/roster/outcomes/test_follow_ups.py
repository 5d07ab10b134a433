"""follow_ups: a returned person gets a row for their home county with their poverty household; others none."""
from __future__ import annotations

import pandas as pd

from linkage.roster.outcomes import build_persons, find_returns, poverty_matches
from linkage.roster.outcomes.follow_ups import PRIORITY_POINTS, build_follow_ups


def _record(source: str, record_id: str, **values) -> dict:
    row = {"source": source, "record_id": record_id, "name_norm": "虚构甲", "sex": None, "id18": None,
           "id_status": "missing", "id_sex": None, "id_birth_date": pd.NaT, "id_county": None,
           "birth_date": pd.NaT, "birth_year_lo": None, "birth_year_hi": None, "county_code": None,
           "prefecture_code": None, "township_code": None, "village_name": None, "household_id": None,
           "poverty_status": None, "event_date": pd.NaT, "exit_date": pd.NaT, "exit_type": None,
           "destination": None}
    row.update(values)
    return row


def _case() -> tuple[pd.DataFrame, pd.Series]:
    day = pd.Timestamp
    rows = [
        # P1: escorted home to 日喀则市 桑珠孜区, back at the police 40 days later; on the poverty list.
        _record("station", "s1", event_date=day("2022-01-01"), exit_date=day("2022-01-05"), exit_type="escorted_home",
                destination="日喀则桑珠孜区", county_code="540202", prefecture_code="540200", birth_year_lo=1990,
                birth_year_hi=1990),
        _record("police", "p1", event_date=day("2022-02-14"), county_code="540202", prefecture_code="540200"),
        _record("poverty", "v1", county_code="540202", prefecture_code="540200", township_code="540202100",
                village_name="虚构村", household_id="H-0001", poverty_status="未脱贫"),
        # P2: escorted home, never seen again.
        _record("station", "s2", event_date=day("2022-01-01"), exit_date=day("2022-01-05"), exit_type="escorted_home",
                county_code="540102", prefecture_code="540100"),
        # P3: a minor handed over twice and back twice, not on the list.
        _record("station", "s3", event_date=day("2022-03-01"), exit_date=day("2022-03-02"), exit_type="handed_over",
                county_code="540102", prefecture_code="540100", birth_year_lo=2008, birth_year_hi=2008),
        _record("station", "s4", event_date=day("2022-05-01"), exit_date=day("2022-05-03"), exit_type="handed_over",
                county_code="540102", prefecture_code="540100", destination="=HYPERLINK(\"x\")"),
        _record("police", "p3", event_date=day("2022-06-01"), county_code="540102", prefecture_code="540100"),
    ]
    frame = pd.DataFrame(rows)
    for column in ("birth_year_lo", "birth_year_hi"):
        frame[column] = frame[column].astype("Int32")
    return frame, pd.Series(["P1", "P1", "P1", "P2", "P3", "P3", "P3"])


def follow_ups_of_case() -> pd.DataFrame:
    normalized, person_id = _case()
    links = pd.DataFrame({"source": normalized["source"], "record_id": normalized["record_id"],
                          "person_id": person_id, "match_probability": 0.99})
    returns = find_returns(normalized, person_id)
    matches = poverty_matches(normalized, links)
    persons = build_persons(normalized, links, returns, matches)
    return build_follow_ups(persons, returns, normalized, links, matches)


def test_a_return_gives_a_row_for_the_home_county_with_the_poverty_household():
    table = follow_ups_of_case().set_index("person_id")
    row = table.loc["P1"]
    assert (row["home_county_code"], row["home_county_name"]) == ("540202", "桑珠孜区")
    assert (row["home_prefecture_code"], row["home_prefecture_name"]) == ("540200", "日喀则市")
    assert row["home_township_code"] == "540202100" and row["home_village_name"] == "虚构村"
    assert (row["poverty_household_id"], row["poverty_status"], row["poverty_status_code"]) == (
        "H-0001", "未脱贫", "not_lifted_out")
    assert row["last_escort_type"] == "escorted_home" and row["last_destination"] == "日喀则桑珠孜区"
    assert (row["last_return_source"], row["days_to_return"], row["n_returns"]) == ("police", 40, 1)
    assert row["priority_reasons"] == "poverty_household"


def test_a_person_without_a_return_has_no_row():
    assert "P2" not in set(follow_ups_of_case()["person_id"])


def test_a_minor_with_several_returns_comes_first():
    table = follow_ups_of_case()
    assert table["person_id"].tolist() == ["P3", "P1"]
    first = table.iloc[0]
    assert first["priority"] == PRIORITY_POINTS["minor"] + PRIORITY_POINTS["several_returns"]
    assert first["n_returns"] == 2 and first["last_escort_date"] == pd.Timestamp("2022-05-03")
    assert pd.isna(first["poverty_household_id"]) and first["home_county_name"] == "城关区"
