"""Output frames built from an engine result."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.files import frames

RECORDS = pd.DataFrame({
    "source": ["station", "police", "poverty", "village"],
    "record_id": ["s1", "p1", "v1", "x1"],
    "file": ["station/a.csv", "police/b.csv", "poverty/c.xlsx", "village/d.csv"],
    "row_number": [1, 1, 4, 2],
})
PAIRS = pd.DataFrame({
    "left": [0, 0, 1, 2],
    "right": [1, 2, 2, 3],
    "name_level": np.array([3, 2, 2, 0], dtype=np.int8),
    "match_weight": [12.0, 8.0, 6.0, 9.0],
    "match_probability": [0.999, 0.97, 0.6, 0.98],
})
LABELS = np.array([0, 0, 0, 1])  # pair (2, 3) scored above threshold but kept apart


def test_best_link_probability_is_strongest_pair_inside_person():
    labels = np.array([0, 0, 0, 1])
    best = frames.best_link_probability(4, PAIRS, labels)
    assert best.tolist() == [0.999, 0.999, 0.97, 1.0]


def test_record_without_pair_inside_multi_record_person_is_an_error():
    with pytest.raises(ValueError, match="1 records"):
        frames.best_link_probability(4, PAIRS.iloc[[0]], np.array([0, 0, 0, 1]))


def test_match_pairs_name_records_by_source_and_id():
    pairs = frames.match_pairs_frame(RECORDS, PAIRS)
    assert pairs.loc[1, ["left_source", "left_record_id", "right_source", "right_record_id"]].tolist() == [
        "station", "s1", "poverty", "v1"]
    assert pairs["name_level"].dtype == np.int8


def test_review_queue_holds_uncertain_and_unmerged_pairs():
    queue = frames.review_queue_frame(RECORDS, PAIRS, LABELS, match_threshold=0.95, review_floor=0.5)
    assert queue[["left_record_id", "right_record_id", "reason"]].values.tolist() == [
        ["v1", "x1", frames.REASON_NOT_MERGED],
        ["p1", "v1", frames.REASON_UNCERTAIN],
    ]


def test_record_keys_join_source_and_record_id():
    assert frames.record_keys(RECORDS).tolist() == ["station:s1", "police:p1", "poverty:v1", "village:x1"]
