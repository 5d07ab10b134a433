"""Group priors: lambda per pair of record categories, each pair scored with its group's."""
import numpy as np
import pandas as pd

from linkage.engine.fs.model import ComparisonModel, FSModel
from linkage.engine.fs.prior import group_possible_pairs, group_priors, pair_groups, record_categories
from linkage.engine.fs.scoring import weights_from_evidence


def test_possible_pairs_per_category_pair():
    df = pd.DataFrame({"cat": [0, 0, 0, 1, 1], "side": ["a", "a", "b", "b", "a"]})
    categories, k = record_categories(df, lambda d: d["cat"].to_numpy())
    assert k == 2 + 1  # -1 is category 0
    dedupe = group_possible_pairs(categories, k, df, None)
    assert dedupe[1, 1] == 3 and dedupe[2, 2] == 1 and dedupe[1, 2] == 6 and dedupe[0, 0] == 0
    link_only = group_possible_pairs(categories, k, df, "side")
    # cat 0: a,a,b -> 2 cross pairs; cat 1: b,a -> 1; 0x1: (a,a,b) x (b,a) across sides = 2*1 + 1*1 = 3
    assert link_only[1, 1] == 2 and link_only[2, 2] == 1 and link_only[1, 2] == 3


def test_registry_pairs_get_a_lower_prior_than_city_pairs():
    # 200 city records (category 0) and 200 registry records (category 1): among the city-city
    # candidates 40 are strong matches, among the registry-registry candidates none are
    cats = np.r_[np.zeros(200, np.int64), np.ones(200, np.int64)]
    categories, k = record_categories(pd.DataFrame({"c": cats}), lambda d: d["c"].to_numpy())
    left = np.r_[np.arange(0, 80, 2), np.arange(200, 280, 2)]
    right = left + 1
    evidence = np.r_[np.full(40, 30.0), np.full(40, -5.0)]
    groups = pair_groups(categories, k, left, right)
    possible = group_possible_pairs(categories, k, pd.DataFrame({"c": cats}), None)
    table = group_priors(evidence, groups, possible, fallback=1e-4)
    city, registry = table[1, 1], table[2, 2]
    assert abs(city - 40 / possible[1, 1]) < 1e-6
    assert registry < city / 100
    assert table[1, 2] == table[2, 1] == 1e-4  # no candidates across: the fallback
    model = FSModel(comparisons=[ComparisonModel("x", ("a", "b"), np.array([.5, .5]), np.array([.5, .5]))],
                    lambda_=1e-4, group_lambdas=table)
    weight, _ = weights_from_evidence(model, np.zeros(2), groups[[0, 40]])
    assert weight[0] > weight[1] + 5
    restored = FSModel.from_json(model.to_json())
    assert np.allclose(restored.group_lambdas, table)


def test_roster_prior_groups_are_source_and_id_presence():
    from linkage.roster.settings import roster_settings, source_and_id_category, source_category
    settings = roster_settings()
    assert settings.prior_groups is source_and_id_category
    df = pd.DataFrame({"source": ["station", "police", "village", "poverty", "elsewhere"],
                       "id18_code": [5, -1, 7, -1, 3]})
    assert source_category(df).tolist() == [0, 1, 2, 3, -1]
    assert source_and_id_category(df).tolist() == [1, 2, 5, 6, -1]
