"""Scores of returns and poverty-list matches on hand-made frames whose answers are known."""
from __future__ import annotations

import pandas as pd
import pytest

from linkage.roster.evaluate import poverty_list_scores, return_scores

COLUMNS = ["source", "record_id", "event_date", "exit_date", "exit_type"]


def _normalized(rows: list[tuple]) -> pd.DataFrame:
    """A normalized-like frame with the columns the outcome scores read."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("event_date", "exit_date"):
        frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    return frame.astype({"source": object, "record_id": object, "exit_type": object})


ESCORTS = _normalized([
    ("station", "s1", "2021-01-01", "2021-01-10", "escorted_home"),  # A, returns at p1
    ("police", "p1", "2021-06-01", None, None),                      # A
    ("station", "s2", "2021-02-01", "2021-02-05", "handed_over"),    # B, never returns
    ("police", "p2", "2021-08-01", None, None),                      # C, a namesake of B
    ("station", "s3", "2021-03-01", "2021-03-04", "escorted_home"),  # D, returns at p3
    ("police", "p3", "2021-09-01", None, None),                      # D
    ("station", "s4", "2021-04-01", "2021-04-09", "left"),           # E: not an escort
])
ESCORT_TRUTH = ["A", "A", "B", "C", "D", "D", "E"]


def test_perfect_linkage_scores_one():
    scores = return_scores(ESCORTS, ESCORT_TRUTH, ESCORT_TRUTH)
    assert scores["n_escorts"] == 3 and scores["n_true"] == 2 and scores["n_pred"] == 2
    assert scores["f1"] == 1.0 and scores["strict_f1"] == 1.0


def test_false_merge_creates_a_spurious_return():
    merged = ["A", "A", "B", "B", "D", "D", "E"]  # C wrongly merged into B
    scores = return_scores(ESCORTS, merged, ESCORT_TRUTH)
    assert (scores["n_true"], scores["n_pred"], scores["true_positives"]) == (2, 3, 2)
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == 1.0
    assert scores["f1"] == pytest.approx(0.8)


def test_missed_link_hides_a_return():
    split = ["A", "A2", "B", "C", "D", "D", "E"]  # p1 not linked to s1
    scores = return_scores(ESCORTS, split, ESCORT_TRUTH)
    assert (scores["n_true"], scores["n_pred"], scores["true_positives"]) == (2, 1, 1)
    assert scores["precision"] == 1.0 and scores["recall"] == 0.5


def test_strict_variant_asks_for_the_same_return_record():
    # A's later record p1 lost, but p3 of D wrongly merged into A: still "followed by a return",
    # but the named return is the wrong record.
    wrong = ["A", "A1", "B", "C", "D", "A", "E"]
    scores = return_scores(ESCORTS, wrong, ESCORT_TRUTH)
    assert scores["true_positives"] == 1 and scores["strict_true_positives"] == 0
    assert scores["recall"] == 0.5 and scores["strict_recall"] == 0.0


def test_labels_must_align_with_the_rows():
    with pytest.raises(ValueError, match="rows"):
        return_scores(ESCORTS, ESCORT_TRUTH[:-1], ESCORT_TRUTH)


POVERTY = _normalized([
    ("station", "s1", "2021-01-01", None, None),  # X (on the list as q1)
    ("police", "p1", "2021-02-01", None, None),   # X
    ("police", "p2", "2021-03-01", None, None),   # Y, a namesake of X, not on the list
    ("station", "s3", "2021-04-01", None, None),  # Z (on the list as q3)
    ("village", "v1", "2021-01-01", None, None),  # Y: a village row is not a city record
    ("poverty", "q1", None, None, None),          # X
    ("poverty", "q3", None, None, None),          # Z
])
POVERTY_TRUTH = ["X", "X", "Y", "Z", "Y", "X", "Z"]


def test_poverty_perfect_linkage_scores_one():
    scores = poverty_list_scores(POVERTY, POVERTY_TRUTH, POVERTY_TRUTH)
    assert (scores["n_city_records"], scores["n_true"], scores["n_pred"]) == (4, 3, 3)
    assert scores["f1"] == scores["strict_f1"] == scores["person_f1"] == 1.0
    assert (scores["n_city_persons"], scores["person_n_true"]) == (3, 2)


def test_poverty_record_linked_to_the_wrong_namesake():
    # q1 goes to the namesake Y; X's city records lose their poverty record.
    wrong = ["X", "X", "Y", "Z", "Y", "Y", "Z"]
    scores = poverty_list_scores(POVERTY, wrong, POVERTY_TRUTH)
    assert (scores["n_true"], scores["n_pred"], scores["true_positives"]) == (3, 2, 1)
    assert scores["precision"] == 0.5 and scores["recall"] == pytest.approx(1 / 3)
    assert scores["person_precision"] == 0.5 and scores["person_recall"] == 0.5


def test_strict_poverty_variant_refuses_a_namesakes_record():
    # X's city records go to Z's person, which holds q3 (Z's own record), while q1 stays alone.
    wrong = ["Z", "Z", "Y", "Z", "Y", "X", "Z"]
    scores = poverty_list_scores(POVERTY, wrong, POVERTY_TRUTH)
    assert scores["true_positives"] == 3 and scores["f1"] == 1.0
    assert scores["strict_precision"] == pytest.approx(1 / 3)


def test_person_variant_follows_the_majority_of_city_records():
    # One of X's two city records split off: half is not a majority.
    split = ["X", "X2", "Y", "Z", "Y", "X", "Z"]
    scores = poverty_list_scores(POVERTY, split, POVERTY_TRUTH)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["person_recall"] == 0.5 and scores["person_precision"] == 1.0
