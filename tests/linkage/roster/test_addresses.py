import numpy as np
import pandas as pd

from linkage.roster.addresses import (
    county_levels, current_county, normalize_village, parse_address, parse_columns,
    prefecture_crosswalk, resolve_places,
)
from linkage.roster.normalize import normalize_records


def test_former_county_codes_resolve_to_current():
    assert current_county("542621") == "540402"   # 林芝县 -> 巴宜区
    assert current_county("542301") == "540202"   # 日喀则市 (county) -> 桑珠孜区
    assert current_county("540202") == "540202"
    assert current_county("999999") is None


def test_former_prefecture_codes_resolve_to_current():
    assert prefecture_crosswalk()["542300"] == "540200"   # 日喀则地区 -> 日喀则市
    assert prefecture_crosswalk()["542600"] == "540400"   # 林芝地区 -> 林芝市


def test_address_with_former_names():
    place = parse_address("西藏自治区日喀则地区日喀则市")
    assert (place.prefecture_code, place.county_code) == ("540200", "540202")
    place = parse_address("西藏林芝地区林芝县")
    assert (place.prefecture_code, place.county_code) == ("540400", "540402")


def test_prefecture_only_address():
    place = parse_address("日喀则市")
    assert (place.prefecture_code, place.county_code) == ("540200", None)
    assert parse_address("山南").prefecture_code == "540500"


def test_township_and_village_from_free_text():
    place = parse_address("西藏自治区那曲地区那曲县罗玛镇扎西村3组")
    assert place.county_code == "540602"
    assert place.township_code == "540602101"
    assert place.village_name == "扎西"


def test_address_outside_the_gazetteer_gives_nothing():
    assert parse_address("四川省成都市武侯区").county_code is None
    assert parse_address(None).prefecture_code is None


def test_county_column_reads_a_name_as_county_first():
    assert parse_columns("日喀则市", None, None).county_code == "540202"
    assert parse_columns("林芝县", None, "扎西村委会").county_code == "540402"
    assert parse_columns("林芝县", None, "扎西村委会").village_name == "扎西"
    assert normalize_village("牛村居委会") == "牛"


def test_resolve_places_prefers_columns_and_keeps_index():
    result = resolve_places(
        pd.Series(["拉萨市城关区", None], index=[5, 6]),
        pd.Series([None, "桑珠孜区"], index=[5, 6]),
        pd.Series([None, None], index=[5, 6]),
        pd.Series([None, None], index=[5, 6]),
    )
    assert list(result.index) == [5, 6]
    assert result["county_code"].tolist() == ["540102", "540202"]


def test_county_levels_with_prefecture_and_id_fallback():
    records = pd.DataFrame({
        "source": ["station", "village", "station", "village", "station"],
        "record_id": list("abcde"), "file": "x.csv", "row_number": range(1, 6),
        "home_address": ["日喀则市", None, "西藏日喀则地区日喀则市", None, None],
        "county": [None, "桑珠孜区", None, "巴宜区", None],
        "id_number": [None, None, None, None, "542301198503070016"],
    })
    df = normalize_records(records)
    left, right = np.array([0, 1, 1, 1, 3]), np.array([1, 2, 3, 4, 0])
    assert county_levels(df, left, right).tolist() == [1, 3, 0, 2, 0]
