import numpy as np
import pandas as pd

from linkage.roster.normalize import normalize_records
from linkage.roster.settings import roster_cannot_link, roster_settings
from linkage.engine.settings import LinkageSettings
from schemas.outputs import ROSTER_COMPARISONS

VALID_A = "540202198503070015"
VALID_B = "540202198503070023"


def _df() -> pd.DataFrame:
    return normalize_records(pd.DataFrame({
        "source": "village", "record_id": list("abcdef"), "file": "v.csv", "row_number": range(1, 7),
        "name": ["扎西次仁", "扎次", "才仁", "扎西次仁", "卓玛", None],
        "sex": ["男", "男", "女", "男", "女", None],
        "id_number": [VALID_A, None, None, VALID_B, None, None],
        "birth_date": ["1985-03-07", "1985", "1970", "1985-03-07", "1990", None],
        "county": ["桑珠孜区", "日喀则市", None, "桑珠孜区", "巴宜区", None],
        "household_id": ["H1", "H1", None, None, None, None],
    }))


def test_comparisons_follow_the_contract_order_and_level_convention():
    settings = roster_settings()
    assert isinstance(settings, LinkageSettings)
    assert tuple(c.name for c in settings.comparisons) == ROSTER_COMPARISONS
    df = _df()
    left, right = np.array([0, 0, 0, 4]), np.array([1, 2, 3, 5])
    for comparison in settings.comparisons:
        levels = comparison.fn(df, left, right)
        assert levels.dtype == np.int8, comparison.name
        assert levels.min() >= -1 and levels.max() < len(comparison.levels), comparison.name
    assert settings.comparisons[0].tf_column == "name_canon"


def test_every_level_comparison_on_a_known_pair():
    settings = roster_settings()
    df = _df()
    levels = {c.name: int(c.fn(df, np.array([0]), np.array([1]))[0]) for c in settings.comparisons}
    assert levels == {
        "name": 2, "id_number": -1, "birth": 5, "sex": 1, "county": 3,
        "township": -1, "village": -1, "household": 1, "event_timing": -1,
    }


def test_places_finer_than_the_county_count_only_inside_the_same_county():
    df = normalize_records(pd.DataFrame({
        "source": "village", "record_id": list("abc"), "file": "v.csv", "row_number": [1, 2, 3],
        "name": ["扎西", "次仁", "卓玛"], "county": ["桑珠孜区", "桑珠孜区", "巴宜区"],
        "household_id": ["H1", "H1", "H1"],
    }))
    household = {c.name: c for c in roster_settings().comparisons}["household"]
    # same household in one county counts; in two different counties it is no evidence
    assert household.fn(df, np.array([0, 0]), np.array([1, 2])).tolist() == [1, -1]


def test_blocking_keys_are_int64_with_minus_one_for_missing():
    df = _df()
    for rule in roster_settings().blocking_rules:
        keys = rule.key(df)
        assert keys.dtype == np.int64 and keys.shape == (len(df),), rule.name
        assert keys[5] == -1, rule.name            # the record without name, id, birth, household
        if rule.split_key is not None:
            assert rule.split_key(df).dtype == np.int64, rule.name


def test_every_rule_declares_the_comparisons_its_keys_determine():
    settings = roster_settings()
    names = {comparison.name for comparison in settings.comparisons}
    for rule in settings.blocking_rules:
        assert rule.involves is not None and set(rule.involves) | set(rule.split_involves) <= names, rule.name
        assert not set(rule.involves) & set(rule.split_involves), rule.name
    trained_by = {name: [rule.name for rule in settings.blocking_rules if name not in rule.involves]
                  for name in names}
    assert all(len(rules) >= 2 for rules in trained_by.values()), trained_by


def test_abbreviation_and_component_rules_bring_namesakes_together():
    df = _df()
    rules = {rule.name: rule.key(df) for rule in roster_settings().blocking_rules}
    assert rules["name_abbr_birth_year"][0] == rules["name_abbr_birth_year"][1]
    assert rules["same_id18"][0] != rules["same_id18"][3]
    assert rules["household"][0] == rules["household"][1]
    # 扎西次仁 (1985) and 扎次 share the county: the component rule pairs them whatever the year
    assert rules["first_component_county"][0] == rules["first_component_county"][3]


def test_cannot_link():
    df = _df()
    left, right = np.array([0, 0, 0, 1]), np.array([3, 2, 1, 4])
    # two valid different ids; sex differs and 15 years apart; compatible; sex differs, 5 years apart
    assert roster_cannot_link()(df, left, right).tolist() == [True, True, False, True]


def _relative_number_df() -> pd.DataFrame:
    # b wrote a's number by mistake (its own birth year 1985 is decades from the number's 1958);
    # c is a's own record with a second spelling of a's name
    number = "540202195803070013"
    return normalize_records(pd.DataFrame({
        "source": "station", "record_id": list("abc"), "file": "s.csv", "row_number": [1, 2, 3],
        "name": ["次仁多吉", "卓玛", "才仁多吉"], "sex": ["男", "女", "男"],
        "id_number": [number, number, number], "birth_date": ["1958-03-07", "1985-06-01", None],
        "intake_date": ["2021-01-01"] * 3,
    }))


def test_a_relatives_number_shared_under_another_name_is_a_cannot_link():
    df = _relative_number_df()
    assert df["id_valid"].all()
    conflict = roster_cannot_link()(df, np.array([0, 0]), np.array([1, 2]))
    assert conflict.tolist() == [True, False]


def test_referral_rules_pair_a_police_record_with_an_intake_of_the_same_home_county_two_days_later():
    df = normalize_records(pd.DataFrame({
        "source": ["police", "station", "station", "police"], "record_id": ["p1", "s1", "s2", "p2"],
        "file": "f.csv", "row_number": [1, 1, 2, 2],
        "name": ["扎次", "扎西次仁", "扎西次仁", "扎西次仁"],
        "home_address": ["日喀则市桑珠孜区", "日喀则地区日喀则市", "桑珠孜区", "桑珠孜区"],
        "event_date": ["2022-05-01", None, None, "2022-05-01"],
        "intake_date": [None, "2022-05-03", "2022-05-04", None],
    }))
    from linkage.engine.blocking import candidate_pairs
    rules = [rule for rule in roster_settings().blocking_rules if rule.name.startswith("referral_")]
    pairs = candidate_pairs(df, rules, cap=100)
    found = set(zip(pairs.left.tolist(), pairs.right.tolist()))
    assert (0, 1) in found and (1, 3) in found          # police, then intake 2 days later, one county
    assert (0, 2) not in found and (2, 3) not in found  # 3 days later is not a referral


def test_the_cannot_link_prepares_each_frame_anew_and_pickles_without_its_cache():
    import pickle

    constraint = roster_cannot_link()
    relative = _relative_number_df()
    assert constraint(relative, np.array([0]), np.array([1])).tolist() == [True]
    other = _df()  # a frame of other records at the same positions: no shared number there
    assert constraint(other, np.array([0]), np.array([1])).tolist() == [False]
    copy = pickle.loads(pickle.dumps(constraint))
    assert copy(relative, np.array([0]), np.array([1])).tolist() == [True]
