"""Poverty matches: persons whose linked records include a poverty-registry (建档立卡) record.

A person counts as linked to the list when the person holds a poverty record AND at least
one record of another source (station, police, village): a person made of poverty records
only is the list itself, not a match of anyone met elsewhere. The link comes only from the
linkage (record_links), never from a name alone. One row per (person, poverty record), with
that poverty record's link probability within its person.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.contract import POVERTY_SOURCE


def records_with_person(normalized: pd.DataFrame, record_links: pd.DataFrame) -> pd.DataFrame:
    """normalized with person_id and match_probability from record_links, same row order."""
    person_id = np.full(len(normalized), None, dtype=object)
    probability = np.full(len(normalized), np.nan)
    source = normalized["source"].to_numpy(dtype=object)
    record_id = normalized["record_id"].to_numpy(dtype=object)
    links_source = record_links["source"].to_numpy(dtype=object)
    for name in pd.unique(source):
        rows = np.flatnonzero(source == name)
        links = record_links[links_source == name]
        links_index = pd.Index(links["record_id"].to_numpy(dtype=object))
        if not links_index.is_unique:
            raise ValueError(f"record_links repeats record ids of source {name}")
        found = links_index.get_indexer(record_id[rows])
        linked = found >= 0
        person_id[rows[linked]] = links["person_id"].to_numpy(dtype=object)[found[linked]]
        probability[rows[linked]] = links["match_probability"].to_numpy(dtype="float64")[found[linked]]
    unlinked = int(pd.isna(person_id).sum())
    if unlinked:
        raise ValueError(f"{unlinked} normalized records have no row in record_links")
    return normalized.assign(person_id=person_id, match_probability=probability)


def poverty_matches(normalized: pd.DataFrame, record_links: pd.DataFrame) -> pd.DataFrame:
    """One row per (person, poverty record) for persons with a poverty and a non-poverty record."""
    records = records_with_person(
        normalized[["source", "record_id", "household_id", "poverty_status"]], record_links
    )
    is_poverty = records["source"] == POVERTY_SOURCE
    persons_elsewhere = records.loc[~is_poverty, "person_id"].unique()
    matched = records[is_poverty & records["person_id"].isin(persons_elsewhere)]
    result = pd.DataFrame({
        "person_id": matched["person_id"].to_numpy(dtype=object),
        "poverty_record_id": matched["record_id"].to_numpy(dtype=object),
        "household_id": matched["household_id"].to_numpy(dtype=object),
        "poverty_status": matched["poverty_status"].to_numpy(dtype=object),
        "match_probability": matched["match_probability"].to_numpy(dtype="float64"),
    })
    return result.sort_values(["person_id", "poverty_record_id"], kind="stable", ignore_index=True)
