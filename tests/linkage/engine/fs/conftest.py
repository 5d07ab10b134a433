"""Toy data shared by the Fellegi-Sunter tests: people with two records each (names from a
small pool, some typos), settings over them, and a model trained on their candidate pairs."""
import numpy as np
import pandas as pd
import pytest

from linkage.engine.blocking import candidate_pairs
from linkage.engine.keys import text_key
from linkage.engine.fs.training import train
from linkage.engine.comparisons import exact_match, string_similarity
from linkage.engine.levels import comparison_levels
from linkage.engine.settings import BlockingRule, Comparison, LinkageSettings


def people_frame(n_people: int, seed: int) -> pd.DataFrame:
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


def people_settings(**changes) -> LinkageSettings:
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


def trained_on(df: pd.DataFrame, settings: LinkageSettings):
    """(candidate pairs, their levels, the model ``train`` fits on them)."""
    pairs = candidate_pairs(df, settings.blocking_rules, settings.block_cap)
    levels = comparison_levels(df, pairs.left, pairs.right, settings.comparisons)
    return pairs, levels, train(df, pairs, levels, settings)


@pytest.fixture
def people():
    """``people_frame(n_people, seed)``."""
    return people_frame


@pytest.fixture
def settings_for_people():
    """``people_settings(**changes)``."""
    return people_settings


@pytest.fixture
def trained():
    """``trained_on(df, settings)``."""
    return trained_on
