from linkage.roster.names.tibetan import abbreviation_key, canonical_initial, parse_tibetan, variant_table


def test_variants_map_to_one_canonical_component():
    table = variant_table()
    assert table["才仁"] == table["策仁"] == table["次仁"] == "次仁"
    assert table["彭措"] == "平措"


def test_four_character_name_is_two_canonical_components():
    name = parse_tibetan("才仁多杰")
    assert name.components == ("次仁", "多吉")
    assert name.canon == "次仁多吉"
    assert name.affix is None


def test_abbreviation_key_is_first_and_third_character():
    assert parse_tibetan("扎西次仁").abbr == "扎次"
    assert abbreviation_key(("扎西", "次仁")) == "扎次"


def test_two_character_name_is_component_or_abbreviation():
    component = parse_tibetan("才仁")
    assert component.components == ("次仁",) and not component.is_abbreviation
    assert parse_tibetan("次丹").abbr == parse_tibetan("次仁丹巴").abbr   # 次丹 (= 次旦) may abbreviate 次仁丹巴
    abbreviation = parse_tibetan("扎次")
    assert abbreviation.is_abbreviation and abbreviation.abbr == "扎次"


def test_written_abbreviation_is_normalized_through_variant_initials():
    assert canonical_initial("才") == "次"
    assert parse_tibetan("才多").abbr == parse_tibetan("次仁多吉").abbr == "次多"


def test_affix_is_stripped_from_a_three_character_name():
    name = parse_tibetan("小次仁")
    assert name.affix == "小"
    assert name.components == ("次仁",)


def test_three_character_component():
    assert parse_tibetan("仓木决卓玛").components == ("仓决", "卓玛")


def test_four_character_name_with_one_unknown_half_keeps_it_as_written():
    assert parse_tibetan("才仁某某").components == ("次仁", "某某")


def test_han_name_is_not_tibetan():
    assert parse_tibetan("张伟") is None
    assert parse_tibetan("王小明") is None


def test_affix_before_an_abbreviation():
    name = parse_tibetan("小次朵")
    assert name.is_abbreviation and name.affix == "小"
    assert name.abbr == parse_tibetan("次仁多吉").abbr


def test_very_long_name_parses_without_recursion():
    import sys

    name = "扎西次仁" * 100_000  # 400,000 characters, far past the recursion limit
    assert len(name) > 100 * sys.getrecursionlimit()
    parsed = parse_tibetan(name)
    assert parsed.components == ("扎西", "次仁") * 100_000
    assert parse_tibetan(name + "王") is None  # one character that is no component: not Tibetan


def test_split_keeps_the_first_split_of_a_depth_first_search():
    # 次仁多吉 splits 2+2; a name splitting only through a 3-character component still splits
    assert parse_tibetan("次仁多吉").components == ("次仁", "多吉")
    three = next(v for v in variant_table() if len(v) == 3)
    assert parse_tibetan("扎西" + three).components == ("扎西", variant_table()[three])
