"""Scores of the case outcomes a clustering leads to: returns after an escort, poverty-list matches."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.engine.evaluate import outcome_scores
from linkage.roster.outcomes.returns import find_returns
from schemas.contract import CITY_SOURCES, ESCORT_EXIT_TYPES, ESCORT_SOURCE, POVERTY_SOURCE


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
    strict = outcome_scores(int(same_return.sum()), n_pred, n_true)
    return {**outcome_scores(int(both.sum()), n_pred, n_true),
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
    strict = outcome_scores(int((true_on_list & holds_own).sum()), n_pred, n_true)

    city_person = pd.factorize(true[is_city])[0]
    share_predicted = np.bincount(city_person, weights=pred_on_list) / np.bincount(city_person)
    person_true = np.zeros(share_predicted.size, dtype=bool)
    person_true[city_person] = true_on_list
    person_pred = share_predicted > 0.5
    person = outcome_scores(int((person_true & person_pred).sum()), int(person_pred.sum()),
                             int(person_true.sum()))
    return {**outcome_scores(both, n_pred, n_true),
            "n_city_records": int(is_city.sum()), "n_true": n_true, "n_pred": n_pred,
            "true_positives": both,
            "strict_precision": strict["precision"], "strict_recall": strict["recall"],
            "strict_f1": strict["f1"],
            "person_precision": person["precision"], "person_recall": person["recall"],
            "person_f1": person["f1"], "n_city_persons": int(share_predicted.size),
            "person_n_true": int(person_true.sum()), "person_n_pred": int(person_pred.sum())}
