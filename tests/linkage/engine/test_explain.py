"""explain_pair: contributions sum to the pair's match weight, tf included."""
import numpy as np
import pandas as pd

from linkage.engine.blocking import candidate_pairs
from linkage.engine.comparisons import exact_match, string_similarity
from linkage.engine.keys import text_key
from linkage.engine.levels import comparison_levels
from linkage.engine.explain import explain_pair
from linkage.engine.fs import score, train
from linkage.engine.settings import BlockingRule, Comparison, LinkageSettings


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    given = np.array(["ann", "ann", "ann", "bo", "cy", "di", "ed", "fay"])
    rows = []
    for person in range(200):
        name, town = given[person % given.size], f"t{person % 25}"
        for copy in range(2):
            rows.append({"given": name, "surname": f"s{person:03d}" + ("x" if copy and person % 3 == 0 else ""),
                         "town": town if copy == 0 or rng.random() > 0.2 else None})
    return pd.DataFrame(rows)


def test_explanation_sums_to_the_match_weight():
    df = _frame()
    settings = LinkageSettings(
        comparisons=[Comparison("given", ("else", "exact"), exact_match("given"),
                                tf_column="given", tf_levels=(1,)),
                     Comparison("surname", ("else", "close", "exact"),
                                string_similarity("surname", (0.9,))),
                     Comparison("town", ("else", "exact"), exact_match("town"))],
        blocking_rules=[BlockingRule("given", text_key("given"))], u_sample_size=5_000)
    pairs = candidate_pairs(df, settings.blocking_rules, settings.block_cap)
    levels = comparison_levels(df, pairs.left, pairs.right, settings.comparisons)
    model = train(df, pairs, levels, settings)
    weight, _ = score(model, df, pairs.left, pairs.right, levels)
    for index in (0, len(pairs) // 2, len(pairs) - 1):
        i, j = int(pairs.left[index]), int(pairs.right[index])
        table = explain_pair(model, df, j, i, settings)
        assert list(table["comparison"]) == ["prior", "given", "surname", "town"]
        assert abs(table["weight"].sum() - weight[index]) < 1e-9
    table = explain_pair(model, df, 0, 2, settings)  # two "ann": tf replaces u
    given_row = table.set_index("comparison").loc["given"]
    assert given_row["label"] == "exact" and given_row["tf_adjustment"] != 0.0


def test_explanation_uses_the_pair_group_prior():
    from linkage.engine.fs.training import candidate_groups
    df = _frame()
    df["kind"] = np.arange(len(df)) % 2
    settings = LinkageSettings(
        comparisons=[Comparison("given", ("else", "exact"), exact_match("given")),
                     Comparison("surname", ("else", "close", "exact"), string_similarity("surname", (0.9,)))],
        blocking_rules=[BlockingRule("given", text_key("given"))], u_sample_size=5_000,
        prior_groups=lambda frame: frame["kind"].to_numpy())
    pairs = candidate_pairs(df, settings.blocking_rules, settings.block_cap)
    levels = comparison_levels(df, pairs.left, pairs.right, settings.comparisons)
    model = train(df, pairs, levels, settings)
    assert model.group_lambdas is not None
    weight, _ = score(model, df, pairs.left, pairs.right, levels,
                      candidate_groups(df, pairs.left, pairs.right, settings))
    for index in (0, len(pairs) - 1):
        i, j = int(pairs.left[index]), int(pairs.right[index])
        assert abs(explain_pair(model, df, i, j, settings)["weight"].sum() - weight[index]) < 1e-9
