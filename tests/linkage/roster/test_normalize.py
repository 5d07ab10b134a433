import pandas as pd

from linkage.roster.normalize import normalize_records, parse_sex
from schemas.contract import CANONICAL_COLUMNS

DESIGN_COLUMNS = (
    "name_norm", "name_form", "name_canon", "name_comp1", "name_comp2", "name_abbr", "name_pinyin",
    "name_affix", "surname", "given_name", "sex", "id18", "id_status", "id_birth_date", "id_sex",
    "id_area", "id_county", "birth_date", "birth_year_lo", "birth_year_hi", "birth_precision",
    "prefecture_code", "county_code", "township_code", "village_name", "household_id", "event_date",
    "exit_date", "exit_type",
)


def _records() -> pd.DataFrame:
    return pd.DataFrame([
        dict(source="station", record_id="s1", file="a.csv", row_number=4, name="扎西·次仁", sex=None,
             id_number="542301850307001", age="35", home_address="西藏日喀则地区日喀则市",
             intake_date="2020-05-01", exit_date="2020/5/10", exit_type="护送返乡"),
        dict(source="police", record_id="p1", file="b.csv", row_number=2, name="不详", sex="女",
             event_date="2021年3月4日"),
        dict(source="poverty", record_id="q1", file="c.csv", row_number=9, name="覃 小红", sex="2",
             birth_date="1990", county="林芝县", village="扎西村", household_id=" H1 "),
    ])


def test_columns_dtypes_and_row_order():
    df = normalize_records(_records())
    assert df["record_id"].tolist() == ["s1", "p1", "q1"]
    for column in (*DESIGN_COLUMNS, *CANONICAL_COLUMNS, "source", "file", "row_number"):
        assert column in df.columns, column
    for column in ("birth_date", "event_date", "exit_date", "id_birth_date"):
        assert str(df[column].dtype) == "datetime64[ns]", column
    assert str(df["birth_year_lo"].dtype) == "Int32"
    assert df["relation"].tolist() == [None, None, None]


def test_station_row():
    row = normalize_records(_records()).iloc[0]
    assert row["name_canon"] == "扎西次仁" and row["name_abbr"] == "扎次"
    assert row["id18"] == "542301198503070016" and row["id_status"] == "valid"
    assert row["id_county"] == "540202" and row["county_code"] == "540202"
    assert row["sex"] == "M"                      # from the valid id when the field is blank
    assert (row["birth_year_lo"], row["birth_year_hi"], row["birth_precision"]) == (1984, 1985, "age")
    assert row["event_date"] == pd.Timestamp("2020-05-01")
    assert row["exit_date"] == pd.Timestamp("2020-05-10")
    assert row["exit_type"] == "escorted_home"


def test_unknown_name_and_police_event_date():
    row = normalize_records(_records()).iloc[1]
    assert row["name_norm"] is None and row["name_form"] is None
    assert row["name_norm_code"] == -1
    assert row["event_date"] == pd.Timestamp("2021-03-04")
    assert row["sex"] == "F"


def test_poverty_row():
    row = normalize_records(_records()).iloc[2]
    assert (row["surname"], row["name_pinyin"]) == ("覃", "qinxiaohong")
    assert row["county_code"] == "540402" and row["prefecture_code"] == "540400"
    assert row["village_name"] == "扎西"
    assert row["household_id"] == "H1"
    assert pd.isna(row["event_date"])
    assert row["birth_precision"] == "year"


def test_parse_sex():
    assert parse_sex(pd.Series(["男", "F", "female", "1", "２", "Ｍ", "?", None])).tolist() == [
        "M", "F", "F", "M", "F", "M", None, None,
    ]


def test_empty_records():
    df = normalize_records(pd.DataFrame(columns=["source", "record_id", "file", "row_number", "name"]))
    assert len(df) == 0
    assert "name_canon_code" in df.columns


def test_an_escort_destination_gives_the_home_county_the_address_lacks():
    df = normalize_records(pd.DataFrame({
        "source": "station", "record_id": ["a", "b", "c", "d"], "file": "s.csv", "row_number": [1, 2, 3, 4],
        "name": ["扎西"] * 4, "intake_date": ["2021-01-01"] * 4,
        "home_address": [None, "日喀则市", "那曲市色尼区", None],
        "exit_type": ["护送返乡", "移交", "护送返乡", "自行离站"],
        "destination": ["护送至日喀则市桑珠孜区", "移交拉孜县民政局", "护送至日喀则市桑珠孜区", "护送至日喀则市桑珠孜区"],
    }))
    # a: no address; b: only the prefecture of the destination's county; c: the address names a
    # county and wins; d: a destination without an escort says nothing about home
    assert df["county_code"].tolist() == ["540202", "540225", "540602", None]
    assert df["prefecture_code"].tolist()[:3] == ["540200", "540200", "540600"]
