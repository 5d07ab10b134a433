"""Generic comparison factories: levels, missing handling, float64 thresholds."""
import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler

from linkage.engine.comparisons import (NUMBERS, absolute_difference, agreement, bands, date_difference,
                                        day_numbers, edit_distance, exact_match, first_agreement,
                                        string_similarity)
from linkage.engine.levels import column_cache

FRAME = pd.DataFrame({
    "name": ["martha", "marhta", None, "  ", "dixon", "dicksonx", "martha"],
    "age": [30, 31, np.nan, 40, 45, 30, 30],
    "born": ["2000-01-01", "2000-01-03", None, "bad", "2000-03-01", "1990-01-01", "2000-01-01"],
})
LEFT = np.array([0, 0, 0, 4, 0])
RIGHT = np.array([1, 2, 3, 5, 6])


def test_exact_match_levels_and_missing():
    assert exact_match("name")(FRAME, LEFT, RIGHT).tolist() == [0, -1, -1, 0, 1]
    assert exact_match("age")(FRAME, LEFT, RIGHT).tolist() == [0, -1, 0, 0, 1]


def test_string_similarity_bands_with_exact_level():
    levels = string_similarity("name", (0.95, 0.80))(FRAME, LEFT, RIGHT)
    assert levels.dtype == np.int8
    assert levels.tolist() == [2, -1, -1, 1, 3]


def test_similarity_threshold_applied_on_float64_not_rounded_float32():
    score = JaroWinkler.normalized_similarity("martha", "marhta")
    rounded = float(np.float32(score))
    assert rounded > score  # float32 rounds this score up, past a threshold in between
    just_above = string_similarity("name", ((score + rounded) / 2,), exact_level=False)
    at_score = string_similarity("name", (score,), exact_level=False)
    assert just_above(FRAME, LEFT[:1], RIGHT[:1]).tolist() == [0]
    assert at_score(FRAME, LEFT[:1], RIGHT[:1]).tolist() == [1]


def test_edit_distance_bands():
    levels = edit_distance("name", (1, 2), "damerau_levenshtein")(FRAME, LEFT, RIGHT)
    assert levels.tolist() == [2, -1, -1, 0, 3]  # transposition counts as one edit


def test_absolute_and_date_differences():
    assert absolute_difference("age", (1, 5))(FRAME, LEFT, RIGHT).tolist() == [2, -1, 0, 0, 3]
    dates = date_difference("born", (2, 30), date_format="%Y-%m-%d")(FRAME, LEFT, RIGHT)
    assert dates.tolist() == [2, -1, -1, 0, 3]


def test_bands_strongest_threshold_gives_highest_level():
    assert bands(np.array([0.99, 0.9, 0.5]), (0.95, 0.85), True).tolist() == [2, 1, 0]
    assert bands(np.array([0, 2, 9]), (1, 3), False).tolist() == [2, 1, 0]


def test_first_agreement_and_agreement():
    combined = first_agreement(exact_match("name"),
                               agreement(string_similarity("name", (0.9,)), 1))
    assert combined(FRAME, LEFT, RIGHT).tolist() == [1, -1, -1, 0, 2]


def test_comparisons_of_one_column_share_its_prepared_numbers_and_days_of_one_format():
    assert day_numbers("%Y-%m-%d") is day_numbers("%Y-%m-%d") is not day_numbers(None)
    with column_cache():
        assert NUMBERS.of(FRAME, "age") is NUMBERS.of(FRAME, "age")
        days = day_numbers("%Y-%m-%d").of(FRAME, "born")
        assert days is day_numbers("%Y-%m-%d").of(FRAME, "born")
        assert days[0] == 10_957 and np.isnan(days[2]) and np.isnan(days[3])
        near = date_difference("born", (2,), date_format="%Y-%m-%d")
        far = date_difference("born", (30,), date_format="%Y-%m-%d")
        assert near(FRAME, LEFT, RIGHT).tolist() == [1, -1, -1, 0, 2]
        assert far(FRAME, LEFT, RIGHT).tolist() == [1, -1, -1, 0, 2]
