"""link(): the whole engine on a small synthetic table with typos and namesakes."""
import dataclasses

import numpy as np
import pandas as pd

from linkage.engine.blocking import candidate_pairs
from linkage.engine.comparisons import exact_match, string_similarity
from linkage.engine.keys import text_key
from linkage.engine.levels import comparison_levels
from linkage.engine.link import link, weights_in_place
from linkage.engine.evaluate import pairwise_scores
from linkage.engine.fs import fit, score
from linkage.engine.settings import BlockingRule, Comparison, LinkageSettings


def _records(n_people: int = 400, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    given = np.array(["ann", "bob", "cara", "dan", "eve", "finn", "gus", "hal", "ivy", "jo"])
    rows = []
    for person in range(n_people):
        name = f"{given[person % given.size]} s{rng.integers(0, 10 ** 6):06d}"
        born = f"{1930 + rng.integers(0, 70)}-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}"
        town = f"town{rng.integers(0, 60)}"
        for copy in range(rng.integers(1, 4)):
            typo = copy > 0 and rng.random() < 0.3
            rows.append({"person": person,
                         "name": name[:-1] + "z" if typo else name,
                         "born": None if copy > 0 and rng.random() < 0.1 else born,
                         "town": town})
    return pd.DataFrame(rows)


def _settings() -> LinkageSettings:
    return LinkageSettings(
        comparisons=[
            Comparison("name", ("else", "jw>=0.9", "exact"), string_similarity("name", (0.9,)),
                       tf_column="name", tf_levels=(2,)),
            Comparison("born", ("else", "exact"), exact_match("born")),
            Comparison("town", ("else", "exact"), exact_match("town")),
        ],
        blocking_rules=[BlockingRule("town", text_key("town")),
                        BlockingRule("born", text_key("born"))],
        match_threshold=0.9, pairs_floor=0.05, u_sample_size=50_000)


def test_link_finds_the_people_and_reports_every_stage():
    df = _records()
    result = link(df, _settings())
    scores = pairwise_scores(result.labels, df["person"])
    assert scores["precision"] > 0.97 and scores["recall"] > 0.9
    assert result.labels.shape == (len(df),)
    assert set(result.stats.seconds) >= {"blocking", "compare", "train", "score", "cluster"}
    assert [rule.rule for rule in result.stats.blocking] == ["town", "born"]
    assert result.stats.candidate_pairs >= result.stats.pairs_kept == len(result.pairs)


def test_stats_to_dict_gives_the_run_summary_keys_as_plain_values():
    result = link(_records(150, seed=3), _settings())
    stats = result.stats.to_dict()
    assert list(stats) == ["records", "candidate_pairs", "pairs_kept", "pairs_at_threshold", "clusters",
                           "blocking", "clustering", "em_sessions", "lambda", "seconds"]
    assert [rule["rule"] for rule in stats["blocking"]] == ["town", "born"]
    assert list(stats["blocking"][0]) == ["rule", "pairs", "new_pairs", "blocks", "largest_block", "blocks_split",
                                          "windowed_rows"]
    assert stats["clustering"]["merges"] == result.stats.clustering.merges > 0
    assert stats["clusters"] == int(result.labels.max() + 1) and stats["lambda"] == result.model.lambda_
    assert "engine" not in stats and dataclasses.replace(result.stats, engine="spark").to_dict()["engine"] == "spark"


def test_pairs_frame_has_levels_weights_and_respects_the_floor():
    df = _records(150, seed=3)
    result = link(df, _settings())
    pairs = result.pairs
    assert list(pairs.columns) == ["left", "right", "name_level", "born_level", "town_level",
                                   "match_weight", "match_probability"]
    assert (pairs["match_probability"] >= 0.05).all()
    assert (pairs["left"] < pairs["right"]).all()
    assert pairs["left"].dtype == pairs["right"].dtype == np.int64
    assert pairs["name_level"].dtype == np.int8


def test_empty_and_single_record_tables_link_to_nothing():
    for n in (0, 1):
        df = pd.DataFrame({"name": ["ann b"] * n, "born": ["2000-01-01"] * n, "town": ["t"] * n})
        result = link(df, _settings())
        assert result.labels.tolist() == list(range(n))
        assert len(result.pairs) == 0


def test_weights_a_chunk_at_a_time_are_the_scores_of_the_fitted_model():
    df = _records(150, seed=5)
    settings = _settings()
    pairs = candidate_pairs(df, settings.blocking_rules, settings.block_cap)
    levels = comparison_levels(df, pairs.left, pairs.right, settings.comparisons)
    model, pair_evidence = fit(df, pairs, levels, settings)
    weight, probability = score(model, df, pairs.left, pairs.right, levels)
    chunked_weight, chunked_probability = weights_in_place(model, pair_evidence, chunk=7)
    assert len(pairs) > 7 and chunked_weight is pair_evidence
    assert np.array_equal(weight, chunked_weight) and np.array_equal(probability, chunked_probability)
