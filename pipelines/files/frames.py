"""Contract output frames assembled from the engine's result: record_links, match_pairs, review_queue."""
from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.outputs import LEVEL_SUFFIX

REASON_UNCERTAIN = "probability_in_review_band"
REASON_NOT_MERGED = "above_threshold_not_merged"


def record_keys(records: pd.DataFrame) -> pd.Series:
    """`source:record_id` per record: the key the person-id mapping is kept under."""
    return records["source"].astype(str) + ":" + records["record_id"].astype(str)


def best_link_probability(n_records: int, pairs: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Per record, its strongest pair inside its own person; 1.0 for a person of one record."""
    labels = np.asarray(labels)
    sizes = np.bincount(labels) if labels.size else np.zeros(0, dtype=np.int64)
    left = pairs["left"].to_numpy(dtype=np.int64)
    right = pairs["right"].to_numpy(dtype=np.int64)
    probability = pairs["match_probability"].to_numpy(dtype=np.float64)
    inside = labels[left] == labels[right]
    strongest = np.full(n_records, -np.inf)
    np.maximum.at(strongest, left[inside], probability[inside])
    np.maximum.at(strongest, right[inside], probability[inside])
    best = np.where(sizes[labels] == 1, 1.0, strongest)
    missing = int(np.isinf(best).sum())
    if missing:
        raise ValueError(f"{missing} records of multi-record persons have no pair inside their person")
    return best


def record_links_frame(records: pd.DataFrame, person_ids: pd.Series, probability: np.ndarray) -> pd.DataFrame:
    """One row per accepted record: source, record_id, person_id, match_probability, file, row_number."""
    return pd.DataFrame({
        "source": records["source"].to_numpy(dtype=object),
        "record_id": records["record_id"].to_numpy(dtype=object),
        "person_id": np.asarray(person_ids, dtype=object),
        "match_probability": np.asarray(probability, dtype=np.float64),
        "file": records["file"].to_numpy(dtype=object),
        "row_number": records["row_number"].to_numpy(dtype=np.int64),
    })


def _level_columns(pairs: pd.DataFrame) -> list[str]:
    return [c for c in pairs.columns if c.endswith(LEVEL_SUFFIX)]


def match_pairs_frame(records: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Scored pairs named by source and record id, with their weight, probability and levels."""
    left = pairs["left"].to_numpy(dtype=np.int64)
    right = pairs["right"].to_numpy(dtype=np.int64)
    source = records["source"].to_numpy(dtype=object)
    record_id = records["record_id"].to_numpy(dtype=object)
    frame = pd.DataFrame({
        "left_source": source[left],
        "left_record_id": record_id[left],
        "right_source": source[right],
        "right_record_id": record_id[right],
        "match_probability": pairs["match_probability"].to_numpy(dtype=np.float64),
        "match_weight": pairs["match_weight"].to_numpy(dtype=np.float64),
    })
    for column in _level_columns(pairs):
        frame[column] = pairs[column].to_numpy(dtype=np.int8)
    return frame


def review_queue_frame(records: pd.DataFrame, pairs: pd.DataFrame, labels: np.ndarray,
                       match_threshold: float, review_floor: float) -> pd.DataFrame:
    """Pairs a person should look at: in [review_floor, match_threshold), or above it yet kept apart."""
    probability = pairs["match_probability"].to_numpy(dtype=np.float64)
    labels = np.asarray(labels)
    apart = labels[pairs["left"].to_numpy(dtype=np.int64)] != labels[pairs["right"].to_numpy(dtype=np.int64)]
    uncertain = (probability >= review_floor) & (probability < match_threshold)
    not_merged = (probability >= match_threshold) & apart
    chosen = uncertain | not_merged
    frame = match_pairs_frame(records, pairs[chosen])
    frame["reason"] = np.where(not_merged[chosen], REASON_NOT_MERGED, REASON_UNCERTAIN)
    return frame.sort_values("match_probability", ascending=False, kind="stable").reset_index(drop=True)
