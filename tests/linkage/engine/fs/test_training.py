"""Training: sessions per blocking rule, what each trains, the identifier check, fixed levels."""
import numpy as np
import pandas as pd

from linkage.engine.keys import text_key
from linkage.engine.fs.patterns import masked_pattern_counts
from linkage.engine.fs.scoring import score
from linkage.engine.fs.training import free_comparisons, train_from_patterns
from linkage.engine.comparisons import exact_match
from linkage.engine.settings import BlockingRule, Comparison, LinkageSettings


def test_free_comparisons_leave_out_what_the_rule_forces_to_agree():
    levels = np.array([[1, 0], [1, 1], [1, 0], [1, -1]], dtype=np.int8)
    assert free_comparisons(levels, 0.01).tolist() == [False, True]
    distinct = np.array([[1, 0], [0, 1]], dtype=np.int8)
    assert free_comparisons(distinct, 0.1, np.array([99, 1])).tolist() == [False, True]


def test_train_learns_agreement_as_evidence_and_scores_true_pairs_high(people, settings_for_people, trained):
    df = people(300, seed=2)
    pairs, levels, model = trained(df, settings_for_people())
    for comparison in model.comparisons:
        weights = comparison.level_weights()
        assert weights[-1] > 0 > weights[0]
    weight, probability = score(model, df, pairs.left, pairs.right, levels)
    assert np.allclose(probability, 1 / (1 + np.exp2(-weight)))
    same = df["person"].to_numpy()[pairs.left] == df["person"].to_numpy()[pairs.right]
    assert np.median(probability[same]) > 0.9 and np.median(probability[~same]) < 0.1


def test_fixed_levels_are_not_trained(people, settings_for_people, trained):
    base = settings_for_people()
    fixed = Comparison("year", ("else", "exact"), exact_match("year"), fixed_m_u={1: (0.5, 0.25)})
    settings = settings_for_people()
    settings.comparisons = [base.comparisons[0], base.comparisons[1], fixed, base.comparisons[3]]
    _, _, model = trained(people(200, seed=4), settings)
    year = model.comparisons[2]
    assert year.m[1] == 0.5 and year.u[1] == 0.25 and abs(year.m.sum() - 1) < 1e-12


def test_train_is_train_from_patterns_on_the_candidates_masked_counts(people, settings_for_people, trained):
    df = people(200, seed=6)
    settings = settings_for_people()
    pairs, levels, model = trained(df, settings)
    masks, patterns, counts = masked_pattern_counts(pairs.rule_mask, levels)
    assert counts.sum() == levels.shape[0] and set(masks.tolist()) <= {1, 2, 3}
    again = train_from_patterns(df, masks, patterns, counts, settings)
    for ours, theirs in zip(again.comparisons, model.comparisons):
        assert np.array_equal(ours.m, theirs.m) and np.array_equal(ours.u, theirs.u)
    assert again.sessions == model.sessions


def _session_training(rules: list[BlockingRule], people, settings_for_people) -> list[list[str]]:
    """Comparisons each session trains on two rule sessions where "given" and "surname"
    almost always agree (1 pair in 100 disagrees on them) and "year" and "town" vary."""
    rng = np.random.default_rng(3)
    levels = np.stack([np.r_[0, np.ones(99)], np.r_[0, np.full(99, 2)],
                       rng.integers(0, 2, 100), rng.integers(0, 2, 100)], axis=1).astype(np.int8)
    masks = np.r_[np.ones(50), np.full(50, 2)].astype(np.int64)
    settings = settings_for_people()
    settings.blocking_rules = rules
    model = train_from_patterns(people(100, seed=1), masks, levels, np.ones(100, np.int64), settings)
    return [session["trained"] for session in model.sessions]


def test_a_session_skips_what_its_rule_involves_and_trains_the_rest(people, settings_for_people):
    undeclared = BlockingRule("a", text_key("year"))
    declared = BlockingRule("b", text_key("year"), involves=("year",))
    split = BlockingRule("c", text_key("year"), involves=("year",), split_involves=("given",))
    first, second = _session_training([undeclared, declared], people, settings_for_people)[:2]
    assert first == ["year", "town"]  # else-share test drops the nearly always agreeing ones
    assert second == ["given", "surname", "town"]  # agreement among matches is evidence
    assert _session_training([declared, split], people, settings_for_people)[1] == ["surname", "town"]


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
