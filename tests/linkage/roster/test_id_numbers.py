import numpy as np
import pandas as pd

from linkage.roster.id_numbers import check_digits, different_valid_ids, id_levels, parse_id_numbers
from linkage.roster.normalize import normalize_records

VALID = "540202198503070015"          # 桑珠孜区, 1985-03-07, male
SAME_PERSON_OLD_AREA = "542301198503070016"  # 日喀则市 (542301, now 桑珠孜区), same birth date
OTHER_VALID = "540202198503070023"


def _ids(values: list) -> pd.DataFrame:
    return parse_id_numbers(pd.Series(values, dtype=object))


def test_check_digit_mod_11_2():
    assert check_digits(np.array(["11010519491231002"]))[0] == "X"
    assert check_digits(np.array(["54020219850307001"]))[0] == "5"


def test_status_of_each_kind_of_number():
    ids = _ids([VALID, "540202198503070010", "540202198513070015", "5402021985", None, " ", "11010519491231002x"])
    assert ids["id_status"].tolist() == ["valid", "bad_check", "bad_date", "malformed", "missing", "missing", "valid"]
    assert ids["id18"].iloc[6] == "11010519491231002X"
    assert ids["id18"].iloc[3] is None
    assert ids["id_text"].tolist()[:4] == [VALID, "540202198503070010", "540202198513070015", None]


def test_legacy_15_digit_number_is_upgraded_with_check_digit():
    ids = _ids(["542301850307001"])
    assert ids["id18"].iloc[0] == SAME_PERSON_OLD_AREA
    assert ids["id_status"].iloc[0] == "valid"
    assert ids["id_birth_date"].iloc[0] == pd.Timestamp("1985-03-07")


def test_embedded_birth_date_sex_and_area():
    ids = _ids([VALID, "11010519491231002X"])
    assert ids["id_birth_date"].tolist() == [pd.Timestamp("1985-03-07"), pd.Timestamp("1949-12-31")]
    assert ids["id_sex"].tolist() == ["M", "F"]
    assert ids["id_area"].tolist() == ["540202", "110105"]


def test_former_area_code_maps_to_current_county():
    ids = _ids([SAME_PERSON_OLD_AREA, "542621197005050028", "542134198001010000"])
    assert ids["id_county"].iloc[0] == "540202"      # 日喀则市 (former county) -> 桑珠孜区
    assert ids["id_county"].iloc[1] == "540402"      # 林芝县 -> 巴宜区
    assert ids["id_county"].iloc[2] is None          # 盐井县: no current county


def _levels(pairs: list[tuple[str | None, str | None]]) -> list[int]:
    numbers = [n for pair in pairs for n in pair]
    records = pd.DataFrame({
        "source": "poverty", "record_id": [f"r{i}" for i in range(len(numbers))],
        "file": "p.csv", "row_number": range(1, len(numbers) + 1), "id_number": numbers,
    })
    df = normalize_records(records)
    left = np.arange(0, len(numbers), 2)
    return id_levels(df, left, left + 1).tolist()


def test_id_levels():
    transposed = VALID[:10] + VALID[11] + VALID[10] + VALID[12:]
    typo = VALID[:12] + "9" + VALID[13:]
    relative = "540202196001010012"
    assert _levels([
        (VALID, VALID),
        ("542301850307001", SAME_PERSON_OLD_AREA),
        (VALID, transposed),
        (VALID, typo),
        (VALID, OTHER_VALID),
        (VALID, "540202198503079999"),
        (VALID, relative),
        (VALID, None),
        (None, None),
        (VALID, VALID[:8] + VALID[9:]),             # a digit dropped: malformed, one edit
        (VALID, "12345678901234567"),              # malformed and far
        (VALID, "不详"),                            # not a number at all
    ]) == [4, 4, 3, 3, 0, 2, 1, -1, -1, 3, 1, -1]


def test_different_valid_ids_is_a_conflict_only_when_both_valid():
    records = pd.DataFrame({
        "source": "poverty", "record_id": ["a", "b", "c"], "file": "p.csv", "row_number": [1, 2, 3],
        "id_number": [VALID, OTHER_VALID, "540202198503070010"],
    })
    df = normalize_records(records)
    conflict = different_valid_ids(df, np.array([0, 0]), np.array([1, 2]))
    assert conflict.tolist() == [True, False]
