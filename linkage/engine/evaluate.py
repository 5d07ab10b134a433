"""Pairwise and cluster-level precision/recall/F1 of cluster labels against true labels, and
the scores of the case outcomes they lead to (returns after an escort, poverty-list matches).

Pairs are counted from group sizes (sum of C(n, 2) over clusters and over the contingency
table of predicted x true labels), never enumerated.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


from linkage.roster.outcomes.returns import find_returns
from schemas.contract import CITY_SOURCES, ESCORT_EXIT_TYPES, ESCORT_SOURCE, POVERTY_SOURCE


def _pairs_in(sizes: np.ndarray) -> int:
    sizes = sizes.astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _contingency(labels_pred, labels_true) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Codes of both labelings plus (pred, true, count) of each non-empty contingency cell."""
    pred = pd.factorize(pd.Series(np.asarray(labels_pred)))[0].astype(np.int64)
    true = pd.factorize(pd.Series(np.asarray(labels_true)))[0].astype(np.int64)
    if pred.size != true.size:
        raise ValueError(f"label arrays differ in length: {pred.size} vs {true.size}")
    cell = pred * (int(true.max(initial=-1)) + 1) + true
    cells, counts = np.unique(cell, return_counts=True)
    width = int(true.max(initial=-1)) + 1
    return pred, true, np.stack((cells // max(width, 1), cells % max(width, 1))), counts


def pairwise_scores(labels_pred, labels_true) -> dict[str, float]:
    """Precision, recall and F1 over the record pairs put together."""
    pred, true, _, cell_counts = _contingency(labels_pred, labels_true)
    predicted_pairs = _pairs_in(np.bincount(pred))
    true_pairs = _pairs_in(np.bincount(true))
    both = _pairs_in(cell_counts)
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "true_positive_pairs": both, "predicted_pairs": predicted_pairs,
            "true_pairs": true_pairs}


def cluster_scores(labels_pred, labels_true) -> dict[str, float]:
    """Share of predicted clusters that equal a true cluster exactly (precision) and of true
    clusters found exactly (recall)."""
    pred, true, cells, cell_counts = _contingency(labels_pred, labels_true)
    pred_sizes, true_sizes = np.bincount(pred), np.bincount(true)
    exact = int(np.sum((cell_counts == pred_sizes[cells[0]]) & (cell_counts == true_sizes[cells[1]])))
    precision = exact / pred_sizes.size if pred_sizes.size else 1.0
    recall = exact / true_sizes.size if true_sizes.size else 1.0
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "exact_clusters": exact, "predicted_clusters": int(pred_sizes.size),
            "true_clusters": int(true_sizes.size)}


def _outcome_scores(true_positives: int, n_pred: int, n_true: int) -> dict[str, float]:
    precision = true_positives / n_pred if n_pred else 1.0
    recall = true_positives / n_true if n_true else 1.0
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}


def _person_array(person, normalized: pd.DataFrame) -> np.ndarray:
    persons = np.asarray(person, dtype=object)
    if persons.size != len(normalized):
        raise ValueError(f"person labels have {persons.size} rows, normalized has {len(normalized)}")
    return persons


def _escort_returns(normalized: pd.DataFrame, escort_ids: pd.Index, persons: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per escort (escort_ids order): followed by a return, and the return's "source:record_id"."""
    returns = find_returns(normalized, pd.Series(persons, index=normalized.index))
    at = escort_ids.get_indexer(returns["escort_record_id"].to_numpy(dtype=object))
    followed = np.zeros(len(escort_ids), dtype=bool)
    followed[at] = True
    return_ref = np.full(len(escort_ids), None, dtype=object)
    return_ref[at] = (returns["return_source"].astype(str) + ":" + returns["return_record_id"].astype(str)).to_numpy()
    return followed, return_ref


def return_scores(normalized: pd.DataFrame, predicted_person, true_person) -> dict[str, float]:
    """Precision, recall and F1 of "this escort was followed by a return" over the escort rows.

    An escort row is a station row whose exit type is escorted_home or handed_over, with an exit
    date. Truth is find_returns under the true person labels, prediction find_returns under the
    predicted ones (both aligned with the rows of normalized), so the scores measure what the
    linkage does to returns, not date parsing. The headline (precision, recall, f1) counts an
    escort as found when both say it was followed by a return; the strict_* variant also asks
    that the prediction names the same return record.
    """
    predicted = _person_array(predicted_person, normalized)
    true = _person_array(true_person, normalized)
    is_escort = ((normalized["source"].to_numpy(dtype=object) == ESCORT_SOURCE)
                 & normalized["exit_type"].isin(ESCORT_EXIT_TYPES).to_numpy()
                 & normalized["exit_date"].notna().to_numpy())
    escort_ids = pd.Index(normalized["record_id"].to_numpy(dtype=object)[is_escort])
    if not escort_ids.is_unique:
        raise ValueError("escort rows repeat station record ids")
    true_followed, true_ref = _escort_returns(normalized, escort_ids, true)
    pred_followed, pred_ref = _escort_returns(normalized, escort_ids, predicted)
    both = true_followed & pred_followed
    same_return = both & (true_ref == pred_ref)
    n_true, n_pred = int(true_followed.sum()), int(pred_followed.sum())
    strict = _outcome_scores(int(same_return.sum()), n_pred, n_true)
    return {**_outcome_scores(int(both.sum()), n_pred, n_true),
            "n_escorts": int(is_escort.sum()), "n_true": n_true, "n_pred": n_pred,
            "true_positives": int(both.sum()),
            "strict_precision": strict["precision"], "strict_recall": strict["recall"],
            "strict_f1": strict["f1"], "strict_true_positives": int(same_return.sum())}


def _has_poverty_record(codes: np.ndarray, is_poverty: np.ndarray) -> np.ndarray:
    """Per row: does the row's person (factorized code) hold a poverty-registry row."""
    holds = np.zeros(int(codes.max(initial=-1)) + 1, dtype=bool)
    holds[codes[is_poverty]] = True
    return holds[codes]


def poverty_list_scores(normalized: pd.DataFrame, predicted_person, true_person) -> dict[str, float]:
    """Precision, recall and F1 of "this person met in the city is on the poverty list".

    Headline (precision, recall, f1): per city record (station or police row), truth = its true
    person holds a poverty-registry row, prediction = its predicted person holds one. The city
    record is the unit a case worker acts on (each encounter shows its person's on_poverty_list),
    so a true person split across predicted persons is scored on every part rather than hidden
    behind a vote. strict_*: the predicted person must hold a poverty row of the city record's
    own true person (not a namesake's). person_*: per true person met in the city, predicted on
    the list when more than half of its city records are.
    """
    predicted = pd.factorize(pd.Series(_person_array(predicted_person, normalized)))[0].astype(np.int64)
    true = pd.factorize(pd.Series(_person_array(true_person, normalized)))[0].astype(np.int64)
    source = normalized["source"].to_numpy(dtype=object)
    is_poverty = source == POVERTY_SOURCE
    is_city = np.isin(source, list(CITY_SOURCES))

    true_on_list = _has_poverty_record(true, is_poverty)[is_city]
    pred_on_list = _has_poverty_record(predicted, is_poverty)[is_city]
    width = int(true.max(initial=-1)) + 1
    own_poverty_pairs = np.unique(predicted[is_poverty] * width + true[is_poverty])
    holds_own = np.isin(predicted[is_city] * width + true[is_city], own_poverty_pairs)

    n_true, n_pred = int(true_on_list.sum()), int(pred_on_list.sum())
    both = int((true_on_list & pred_on_list).sum())
    strict = _outcome_scores(int((true_on_list & holds_own).sum()), n_pred, n_true)

    city_person = pd.factorize(true[is_city])[0]
    share_predicted = np.bincount(city_person, weights=pred_on_list) / np.bincount(city_person)
    person_true = np.zeros(share_predicted.size, dtype=bool)
    person_true[city_person] = true_on_list
    person_pred = share_predicted > 0.5
    person = _outcome_scores(int((person_true & person_pred).sum()), int(person_pred.sum()),
                             int(person_true.sum()))
    return {**_outcome_scores(both, n_pred, n_true),
            "n_city_records": int(is_city.sum()), "n_true": n_true, "n_pred": n_pred,
            "true_positives": both,
            "strict_precision": strict["precision"], "strict_recall": strict["recall"],
            "strict_f1": strict["f1"],
            "person_precision": person["precision"], "person_recall": person["recall"],
            "person_f1": person["f1"], "n_city_persons": int(share_predicted.size),
            "person_n_true": int(person_true.sum()), "person_n_pred": int(person_pred.sum())}
