"""Scoring: term frequencies, evidence in chunks and through the pattern index."""
import numpy as np

from linkage.engine.fs.patterns import pattern_index
from linkage.engine.fs.scoring import contributions, evidence, score


def test_term_frequency_scores_a_common_value_lower_than_a_rare_one(people, settings_for_people, trained):
    df = people(300, seed=2)
    pairs, levels, model = trained(df, settings_for_people())
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


def test_evidence_in_chunks_equals_the_summed_contributions(people, settings_for_people, trained):
    df = people(300, seed=2)
    pairs, levels, model = trained(df, settings_for_people())
    whole = contributions(model, df, pairs.left, pairs.right, levels).sum(axis=1)
    chunked = evidence(model, df, pairs.left, pairs.right, levels, chunk=97)
    assert len(pairs) > 97 * 3
    assert np.allclose(chunked, whole) and not np.allclose(whole, whole[0])


def test_evidence_through_the_pattern_index_is_the_same_numbers(people, settings_for_people, trained):
    df = people(300, seed=2)
    pairs, levels, model = trained(df, settings_for_people())
    levels[::7, 0] = -1
    whole = contributions(model, df, pairs.left, pairs.right, levels).sum(axis=1)
    indexed = evidence(model, df, pairs.left, pairs.right, levels, chunk=97, index=pattern_index(levels))
    assert np.array_equal(indexed, whole)
    assert np.array_equal(evidence(model, df, pairs.left, pairs.right, levels), whole)
