from linkage.roster.names.han import split_han_name, surname_readings
from linkage.roster.names.normalize import normalize_name
from linkage.roster.names.pinyin import pinyin_key


def test_surname_readings_differ_from_default_pinyin():
    assert surname_readings()["曾"] == "zeng"
    assert surname_readings()["覃"] == "qin"
    assert pinyin_key("曾小明", "曾") == "zengxiaoming"
    assert pinyin_key("曾小明") != "zengxiaoming"


def test_compound_surname_is_taken_before_single():
    assert split_han_name("欧阳娜娜") == ("欧阳", "娜娜")
    assert split_han_name("王小明") == ("王", "小明")
    assert split_han_name("某某") is None


def test_normalized_han_name_fields():
    name = normalize_name("覃 小 红")
    assert name.name_form == "surname_given"
    assert (name.surname, name.given_name) == ("覃", "小红")
    assert name.name_pinyin == "qinxiaohong"
    assert name.name_canon == "覃小红"
    assert name.name_comp1 is None
