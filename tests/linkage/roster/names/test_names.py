import numpy as np
import pandas as pd

from linkage.roster.names import clean_name, name_levels, normalize_name, normalize_names
from linkage.roster.normalize import normalize_records


def _normalized(names: list[str | None]) -> pd.DataFrame:
    records = pd.DataFrame({
        "source": "village", "record_id": [f"r{i}" for i in range(len(names))],
        "file": "v.csv", "row_number": range(1, len(names) + 1), "name": names,
    })
    return normalize_records(records)


def _level(first: str, second: str) -> int:
    df = _normalized([first, second])
    return int(name_levels(df, np.array([0]), np.array([1]))[0])


def test_clean_name_removes_separators_and_full_width_forms():
    assert clean_name("扎西·次仁") == "扎西次仁"
    assert clean_name("扎西 • 次仁") == "扎西次仁"
    assert clean_name("ＺＨＡＮＧ　Ｗｅｉ") == "zhangwei"
    assert clean_name("王．小明") == "王小明"


def test_unknown_markers_and_blanks_are_none():
    for raw in ("不详", "无名氏", "", "  ", None, float("nan")):
        assert clean_name(raw) is None
    assert normalize_name("不详").name_form is None


def test_kind_detection():
    assert normalize_name("扎西次仁").name_form == "components"
    assert normalize_name("白玛").name_form == "components"
    assert normalize_name("王小明").name_form == "surname_given"
    assert normalize_name("芹萱娟").name_form == "surname_given"        # surname outside the table
    assert normalize_name("芹萱娟").surname == "芹"
    assert normalize_name("john").name_form == "other"


def test_normalize_names_keeps_index_and_order():
    names = pd.Series(["才仁多吉", None, "才仁多吉", "王伟"], index=[10, 11, 12, 13])
    result = normalize_names(names)
    assert list(result.index) == [10, 11, 12, 13]
    assert result["name_canon"].tolist() == ["次仁多吉", None, "次仁多吉", "王伟"]


def test_name_levels():
    assert _level("扎西次仁", "扎西·次仁") == 4
    assert _level("次仁", "才仁") == 3
    assert _level("扎西次仁", "扎次") == 2
    assert _level("扎西次仁", "次仁") == 2
    assert _level("慈仁·多吉", "小次朵") == 2
    assert _level("次仁丹巴", "老次丹") == 2
    assert _level("王小明", "王晓明") == 1
    assert _level("王小明", "李小明") == 1
    assert _level("扎西次仁", "格桑卓玛") == 0
    assert _level("大次仁", "小次仁") == 0
    assert _level("张三", "李四") == 0
    assert _level("扎西次仁", "不详") == -1

