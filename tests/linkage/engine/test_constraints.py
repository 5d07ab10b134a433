"""Pair constraints as data: must-links merged first and unbreakable, cannot-links kept apart
even through chains, contradictions set aside by the documented precedence."""
import numpy as np
import pandas as pd

from linkage.engine.clustering import cluster
from linkage.engine.constraints import CANNOT_LINK, HARD, resolve
from linkage.engine.settings import CannotLink, LinkageSettings, PairConstraints

ID_KEY = CannotLink(keys=(lambda frame: frame["id"].to_numpy(),))


def _settings() -> LinkageSettings:
    return LinkageSettings(comparisons=[], blocking_rules=[], match_threshold=0.9, cannot_link=ID_KEY)


def _pairs(*pairs):
    return (np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64))


def _run(df, edges, constraints):
    left, right = _pairs(*edges)
    probability = np.array([e[2] for e in edges], dtype=float)
    weight = np.log2(probability / (1 - probability))
    resolution = resolve(df, ID_KEY, constraints)
    return cluster(len(df), left, right, probability, weight, df, _settings(),
                   constraints=resolution.kept), resolution


def test_must_link_joins_records_scored_low_or_never_scored():
    df = pd.DataFrame({"id": [-1, -1, -1, -1]})
    edges = [(0, 1, 0.05), (2, 3, 0.99)]
    labels, _ = _run(df, edges, PairConstraints(must_link=_pairs((0, 1), (1, 3))))
    assert len(set(labels.tolist())) == 1
    plain, _ = _run(df, edges, PairConstraints())
    assert plain[0] != plain[1]


def test_cannot_link_keeps_a_strong_pair_apart_also_through_a_chain():
    df = pd.DataFrame({"id": [-1, -1, -1]})
    edges = [(0, 1, 0.99), (1, 2, 0.99), (0, 2, 0.99)]
    labels, _ = _run(df, edges, PairConstraints(cannot_link=_pairs((0, 2))))
    assert labels[0] != labels[2]
    # never scored together: the chain 0-1-2 alone would join them
    chain, _ = _run(df, edges[:2], PairConstraints(cannot_link=_pairs((2, 0))))
    assert chain[0] != chain[2]


def test_contradictions_are_set_aside_by_precedence():
    df = pd.DataFrame({"id": [1, 2, -1, -1, -1]})
    constraints = PairConstraints(must_link=_pairs((0, 1), (2, 3), (3, 4)), cannot_link=_pairs((2, 4)))
    labels, resolution = _run(df, [], constraints)
    assert resolution.set_aside.tolist() == [0, 2]
    assert resolution.reasons == [HARD, CANNOT_LINK]
    assert labels[0] != labels[1] and labels[2] == labels[3] != labels[4]
