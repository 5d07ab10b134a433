"""Fellegi-Sunter: random pairs, patterns, EM recovery, lambda, tf adjustment, JSON, adapter."""
import numpy as np
import pandas as pd

from linkage.engine.blocking import candidate_pairs
from linkage.engine.comparisons import exact_match, string_similarity
from linkage.engine.keys import text_key
from linkage.engine.levels import comparison_levels
from linkage.engine.fellegi_sunter import (FSModel, expectation_maximisation, free_comparisons,
                                    masked_pattern_counts, one_hot_levels, pattern_counts,
                                    possible_pairs, prior_from_candidates, random_pairs, score,
                                    train, train_from_patterns, train_supervised)
from linkage.engine.settings import BlockingRule, Comparison, LinkageSettings


def test_random_pairs_distinct_ordered_and_across_sides():
    left, right = random_pairs(50, 500, seed=1)
    assert left.size == 500 and np.all(left < right)
    side = np.array([0] * 10 + [1] * 5)
    left, right = random_pairs(15, 10_000, seed=1, side=side)
    assert left.size == 50  # capped at the 10 x 5 possible pairs
    assert np.all(side[left] != side[right])
    assert np.array_equal(random_pairs(50, 100, seed=3)[0], random_pairs(50, 100, seed=3)[0])


def test_pattern_counts_count_each_distinct_row():
    levels = np.array([[1, -1], [0, 2], [1, -1], [1, -1]], dtype=np.int8)
    patterns, counts = pattern_counts(levels)
    found = {tuple(p): c for p, c in zip(patterns.tolist(), counts.tolist())}
    assert found == {(1, -1): 3, (0, 2): 1}


def test_em_recovers_m_and_lambda_from_a_known_mixture():
    rng = np.random.default_rng(7)
    m_true = [np.array([0.1, 0.9]), np.array([0.05, 0.15, 0.8]), np.array([0.2, 0.8])]
    u_true = [np.array([0.9, 0.1]), np.array([0.7, 0.2, 0.1]), np.array([0.6, 0.4])]
    n, share = 40_000, 0.3
    is_match = rng.random(n) < share
    levels = np.stack([np.where(is_match, rng.choice(m.size, n, p=m), rng.choice(u.size, n, p=u))
                       for m, u in zip(m_true, u_true)], axis=1).astype(np.int8)
    levels[rng.random(n) < 0.1, 2] = -1
    patterns, counts = pattern_counts(levels)
    start = [np.full(m.size, 1 / m.size) + np.linspace(0, 0.1, m.size) for m in m_true]
    start = [s / s.sum() for s in start]
    m, lam, _, converged = expectation_maximisation(patterns, counts, start, u_true,
                                                    [{}, {}, {}], 0.5, 200)
    assert converged
    assert abs(lam - share) < 0.02
    for found, expected in zip(m, m_true):
        assert np.allclose(found, expected, atol=0.03)


def test_free_comparisons_leave_out_what_the_rule_forces_to_agree():
    levels = np.array([[1, 0], [1, 1], [1, 0], [1, -1]], dtype=np.int8)
    assert free_comparisons(levels, 0.01).tolist() == [False, True]
    distinct = np.array([[1, 0], [0, 1]], dtype=np.int8)
    assert free_comparisons(distinct, 0.1, np.array([99, 1])).tolist() == [False, True]


def test_prior_is_expected_matches_over_all_pairs():
    evidence = np.concatenate([np.full(30, 40.0), np.full(1000, -40.0)])
    assert abs(prior_from_candidates(evidence, 1_000_000) - 30 / 1_000_000) < 1e-9
    side = pd.DataFrame({"s": ["a"] * 3 + ["b"] * 4})
    assert possible_pairs(side, "s") == 12 and possible_pairs(side, None) == 21


def test_prior_in_blocks_on_threads_is_the_single_pass_number():
    from linkage.engine.fellegi_sunter import LAMBDA_BOUNDS, PRIOR_BLOCK

    evidence = np.random.default_rng(8).normal(-20, 15, 3 * PRIOR_BLOCK + 17)
    lambda_ = float(np.clip(max((evidence > 0).sum(), 1) / 10**9, *LAMBDA_BOUNDS))
    for _ in range(200):
        weight = np.clip(evidence + np.log2(lambda_ / (1 - lambda_)), -1000, 1000)
        new_lambda = float(np.clip(float((1.0 / (1.0 + np.exp2(-weight))).sum()) / 10**9, *LAMBDA_BOUNDS))
        if abs(new_lambda - lambda_) <= 1e-9 * lambda_:
            break
        lambda_ = new_lambda
    assert prior_from_candidates(evidence, 10**9) == new_lambda


def _people(n_people: int, seed: int) -> pd.DataFrame:
    """Two records per person; names from a small pool so some are common; some typos."""
    rng = np.random.default_rng(seed)
    first = np.array(["ann", "bob", "cara", "dan", "eve", "finn", "gus", "hal"])
    surnames = np.array([f"name{i:03d}" for i in range(n_people)])
    rows = []
    for person in range(n_people):
        given = "ann" if person % 2 == 0 else first[rng.integers(0, first.size)]
        year = str(1940 + rng.integers(0, 60))
        for copy in range(2):
            surname = surnames[person]
            if copy and rng.random() < 0.3:
                surname = surname[:-1] + "x"
            rows.append({"person": person, "given": given, "surname": surname, "year": year,
                         "town": f"t{rng.integers(0, 40) if copy and rng.random() < 0.2 else person % 40}"})
    return pd.DataFrame(rows)


def _settings(**changes) -> LinkageSettings:
    comparisons = [
        Comparison("given", ("else", "exact"), exact_match("given"), tf_column="given",
                   tf_levels=(1,)),
        Comparison("surname", ("else", "close", "exact"), string_similarity("surname", (0.9,))),
        Comparison("year", ("else", "exact"), exact_match("year")),
        Comparison("town", ("else", "exact"), exact_match("town")),
    ]
    rules = [BlockingRule("year", text_key("year")), BlockingRule("town", text_key("town"))]
    return LinkageSettings(comparisons=comparisons, blocking_rules=rules, u_sample_size=20_000,
                           **changes)


def _trained(df: pd.DataFrame, settings: LinkageSettings):
    pairs = candidate_pairs(df, settings.blocking_rules, settings.block_cap)
    levels = comparison_levels(df, pairs.left, pairs.right, settings.comparisons)
    return pairs, levels, train(df, pairs, levels, settings)


def test_train_learns_agreement_as_evidence_and_scores_true_pairs_high():
    df = _people(300, seed=2)
    pairs, levels, model = _trained(df, _settings())
    for comparison in model.comparisons:
        weights = comparison.level_weights()
        assert weights[-1] > 0 > weights[0]
    weight, probability = score(model, df, pairs.left, pairs.right, levels)
    assert np.allclose(probability, 1 / (1 + np.exp2(-weight)))
    same = df["person"].to_numpy()[pairs.left] == df["person"].to_numpy()[pairs.right]
    assert np.median(probability[same]) > 0.9 and np.median(probability[~same]) < 0.1


def test_term_frequency_scores_a_common_value_lower_than_a_rare_one():
    df = _people(300, seed=2)
    pairs, levels, model = _trained(df, _settings())
    given = model.comparisons[0]
    assert given.tf_table["ann"] > 0.4
    both_ann = np.array([0]), np.array([1])
    rare = df.index[df["given"] != "ann"][:2].to_numpy()
    rare_pair = np.array([rare[0]]), np.array([rare[1]])
    agree = np.array([[1, -1, -1, -1]], dtype=np.int8)
    common_weight, _ = score(model, df, *both_ann, agree)
    rare_weight, _ = score(model, df, *rare_pair, agree)
    assert df.loc[0, "given"] == df.loc[1, "given"] == "ann"
    assert common_weight[0] < rare_weight[0]


def test_fixed_levels_are_not_trained():
    base = _settings()
    fixed = Comparison("year", ("else", "exact"), exact_match("year"), fixed_m_u={1: (0.5, 0.25)})
    settings = _settings()
    settings.comparisons = [base.comparisons[0], base.comparisons[1], fixed, base.comparisons[3]]
    _, _, model = _trained(_people(200, seed=4), settings)
    year = model.comparisons[2]
    assert year.m[1] == 0.5 and year.u[1] == 0.25 and abs(year.m.sum() - 1) < 1e-12


def test_json_round_trip_scores_identically():
    df = _people(150, seed=5)
    pairs, levels, model = _trained(df, _settings())
    again = FSModel.from_json(model.to_json())
    assert again.lambda_ == model.lambda_
    assert np.array_equal(score(model, df, pairs.left, pairs.right, levels)[0],
                          score(again, df, pairs.left, pairs.right, levels)[0])


def test_supervised_adapter_feeds_levels_to_recordlinkage():
    settings = _settings()
    rng = np.random.default_rng(0)
    labels = rng.random(400) < 0.3
    levels = np.where(labels[:, None], 1, rng.integers(-1, 2, (400, 4))).astype(np.int8)
    classifier = train_supervised(levels, labels, settings.comparisons)
    probability = classifier.prob(one_hot_levels(levels, settings.comparisons)).to_numpy()
    assert probability[labels].mean() > 0.8 > 0.5 > probability[~labels].mean()


def test_train_is_train_from_patterns_on_the_candidates_masked_counts():
    df = _people(200, seed=6)
    settings = _settings()
    pairs, levels, model = _trained(df, settings)
    masks, patterns, counts = masked_pattern_counts(pairs.rule_mask, levels)
    assert counts.sum() == levels.shape[0] and set(masks.tolist()) <= {1, 2, 3}
    again = train_from_patterns(df, masks, patterns, counts, settings)
    for ours, theirs in zip(again.comparisons, model.comparisons):
        assert np.array_equal(ours.m, theirs.m) and np.array_equal(ours.u, theirs.u)
    assert again.sessions == model.sessions


def _session_training(rules: list[BlockingRule]) -> list[list[str]]:
    """Comparisons each session trains on two rule sessions where "given" and "surname"
    almost always agree (1 pair in 100 disagrees on them) and "year" and "town" vary."""
    rng = np.random.default_rng(3)
    levels = np.stack([np.r_[0, np.ones(99)], np.r_[0, np.full(99, 2)],
                       rng.integers(0, 2, 100), rng.integers(0, 2, 100)], axis=1).astype(np.int8)
    masks = np.r_[np.ones(50), np.full(50, 2)].astype(np.int64)
    settings = _settings()
    settings.blocking_rules = rules
    model = train_from_patterns(_people(100, seed=1), masks, levels, np.ones(100, np.int64), settings)
    return [session["trained"] for session in model.sessions]


def test_a_session_skips_what_its_rule_involves_and_trains_the_rest():
    undeclared = BlockingRule("a", text_key("year"))
    declared = BlockingRule("b", text_key("year"), involves=("year",))
    split = BlockingRule("c", text_key("year"), involves=("year",), split_involves=("given",))
    first, second = _session_training([undeclared, declared])[:2]
    assert first == ["year", "town"]  # else-share test drops the nearly always agreeing ones
    assert second == ["given", "surname", "town"]  # agreement among matches is evidence
    assert _session_training([declared, split])[1] == ["surname", "town"]


def test_evidence_in_chunks_equals_the_summed_contributions():
    from linkage.engine.fellegi_sunter import contributions, evidence

    df = _people(300, seed=2)
    pairs, levels, model = _trained(df, _settings())
    whole = contributions(model, df, pairs.left, pairs.right, levels).sum(axis=1)
    chunked = evidence(model, df, pairs.left, pairs.right, levels, chunk=97)
    assert len(pairs) > 97 * 3
    assert np.allclose(chunked, whole) and not np.allclose(whole, whole[0])


def test_evidence_through_the_pattern_index_is_the_same_numbers():
    from linkage.engine.fellegi_sunter import contributions, evidence, pattern_index

    df = _people(300, seed=2)
    pairs, levels, model = _trained(df, _settings())
    levels[::7, 0] = -1
    whole = contributions(model, df, pairs.left, pairs.right, levels).sum(axis=1)
    indexed = evidence(model, df, pairs.left, pairs.right, levels, chunk=97, index=pattern_index(levels))
    assert np.array_equal(indexed, whole)
    assert np.array_equal(evidence(model, df, pairs.left, pairs.right, levels), whole)


def test_dense_and_sorted_pattern_counting_agree():
    from linkage.engine.fellegi_sunter import _dense_masked_counts, _sorted_masked_counts, pattern_index

    rng = np.random.default_rng(4)
    levels = np.stack([rng.integers(-1, 2, 5000), rng.integers(-1, 4, 5000),
                       rng.integers(0, 3, 5000)], axis=1).astype(np.int8)
    masks = rng.choice([1, 2, 3, 6, 12], 5000).astype(np.uint32)
    index = pattern_index(levels)
    assert np.array_equal(index.patterns[index.pair_pattern], levels)
    dense, ordered = _dense_masked_counts(masks, index), _sorted_masked_counts(masks, levels)
    for ours, theirs in zip(dense, ordered):
        assert np.array_equal(ours, theirs) and ours.dtype == theirs.dtype


def _collapse_case(identifier):
    rng = np.random.default_rng(5)
    df = pd.DataFrame({c: rng.integers(0, 50, 400).astype(str) for c in ("name", "place", "id")})
    comparisons = [Comparison(c, ("different", "same"), exact_match(c)) for c in ("name", "place", "id")]
    rules = [BlockingRule("namesakes", text_key("name"), involves=("name",)),
             BlockingRule("places", text_key("place"), involves=("place",))]
    settings = LinkageSettings(comparisons=comparisons, blocking_rules=rules, identifier=identifier,
                               identifier_min_pairs=10)
    # session 0: namesakes of one place, 5% sharing an id (EM takes the shared place for a match);
    # session 1: pairs of one place, half of them one person by the id, names agreeing with it
    patterns = np.array([[1, 1, 0], [1, 1, 1], [1, 0, 0],
                         [1, 1, 1], [0, 1, 0], [1, 1, 0], [0, 1, 1]], dtype=np.int8)
    counts = np.array([900, 50, 50, 450, 450, 50, 50])
    masks = np.array([1, 1, 1, 2, 2, 2, 2])
    return train_from_patterns(df, masks, patterns, counts, settings)


def test_a_session_whose_em_share_strays_from_the_identifiers_does_not_train():
    checked = _collapse_case(("id", (1,)))
    assert [s["collapsed"] for s in checked.sessions[:2]] == [True, False]
    assert abs(checked.sessions[0]["identifier_share"] - 0.05) < 1e-9
    unchecked = _collapse_case(None)
    assert not any(s["collapsed"] for s in unchecked.sessions)
    # the place comparison is trained by the namesake session only: kept (no healthy session
    # trains it); the id comparison by both: the collapsed session's estimate is left out
    place = {m.name: m for m in checked.comparisons}["place"]
    assert np.array_equal(place.m, {m.name: m for m in unchecked.comparisons}["place"].m)
    id_checked = {m.name: m for m in checked.comparisons}["id"].level_weights()
    id_unchecked = {m.name: m for m in unchecked.comparisons}["id"].level_weights()
    assert id_checked[0] < id_unchecked[0]  # disagreeing on the id weighs against a match again


def test_merged_patterns_are_numpys_distinct_rows_with_summed_counts():
    from linkage.engine.fellegi_sunter import merged_patterns

    rng = np.random.default_rng(9)
    levels = rng.integers(-1, 4, (3000, 5)).astype(np.int8)
    counts = rng.integers(1, 50, 3000)
    patterns, summed = merged_patterns(levels, counts)
    expected, inverse = np.unique(levels, axis=0, return_inverse=True)
    assert np.array_equal(patterns, expected) and patterns.dtype == np.int8
    assert np.array_equal(summed, np.bincount(inverse.ravel(), weights=counts).astype(np.int64))
