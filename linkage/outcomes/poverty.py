"""Poverty matches: persons whose linked records include a poverty-registry (建档立卡) record.

A person counts as linked to the list when the person holds a poverty record AND at least
one record of another source (station, police, village): a person made of poverty records
only is the list itself, not a match of anyone met elsewhere. The link comes only from the
linkage (record_links), never from a name alone. One row per (person, poverty record), with
that poverty record's link probability within its person.
"""
from __future__ import annotations

import pandas as pd

POVERTY_SOURCE = "poverty"


def records_with_person(normalized: pd.DataFrame, record_links: pd.DataFrame) -> pd.DataFrame:
    """normalized with person_id and match_probability from record_links, same row order."""
    links = record_links[["source", "record_id", "person_id", "match_probability"]]
    joined = normalized.merge(links, on=["source", "record_id"], how="left", validate="one_to_one")
    unlinked = int(joined["person_id"].isna().sum())
    if unlinked:
        raise ValueError(f"{unlinked} normalized records have no row in record_links")
    return joined


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
