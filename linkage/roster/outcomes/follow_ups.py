"""follow_ups.parquet: one row per person who came back after an escort home or hand-over, the
list a home area's civil-affairs office and village work team visit from (回访).

Rules:
- Due: every person with at least one return (returns.parquet); a person without one has no row.
- The last escort is the latest escort that was followed by a return (its date, exit type code,
  destination as written); the return is that escort's return (date, source, days).
- Home area: the person's prefecture and county codes (persons.parquet); township code and
  village name from the person's registry records (village, poverty) first, then any record,
  the most frequent value winning, ties to the smallest. Names are the gazetteer's current
  names; villages have no code in the gazetteer, so home_village_code stays empty.
- Poverty: the person's household (persons.poverty_household_id) and the status text of the
  best-linked poverty match, with its code (labels.POVERTY_STATUS_CODES).
- priority: the sum of PRIORITY_POINTS for the flags that hold (a minor at the last return,
  SEVERAL_RETURNS or more returns, a poverty household); higher is visited first.
  priority_reasons lists the flags, comma separated.
Sorted by priority (highest first), then home county, then person_id.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.roster.addresses import division_names
from linkage.roster.outcomes.labels import poverty_status_code
from linkage.roster.outcomes.poverty import records_with_person
from schemas.contract import REGISTRY_SOURCES

ADULT_AGE = 18
SEVERAL_RETURNS = 2
PRIORITY_POINTS: dict[str, int] = {"minor": 4, "several_returns": 2, "poverty_household": 1}
"""Points per flag: a minor outranks any other combination, several returns outrank a household alone."""


def _most_frequent(records: pd.DataFrame, column: str) -> pd.Series:
    """Per person_id, the most frequent non-empty value of column, registry records first, ties to the smallest."""
    known = records[records[column].notna()]
    counted = (known.assign(registry=known["source"].isin(list(REGISTRY_SOURCES)))
               .groupby(["person_id", "registry", column]).size().rename("n").reset_index())
    best = counted.sort_values(["person_id", "registry", "n", column], ascending=[True, False, False, True],
                               kind="stable").drop_duplicates("person_id")
    return best.set_index("person_id")[column]


def _last_escort_with_return(returns: pd.DataFrame) -> pd.DataFrame:
    """Per person, the returns row of the latest escort followed by a return, and the count of returns."""
    ordered = returns.sort_values(["person_id", "escort_date", "escort_record_id"], kind="stable")
    last = ordered.drop_duplicates("person_id", keep="last").set_index("person_id")
    return last.assign(n_returns=ordered.groupby("person_id").size())


def _priority(minor: pd.Series, several: pd.Series, household: pd.Series) -> tuple[pd.Series, pd.Series]:
    flags = pd.DataFrame({"minor": minor, "several_returns": several, "poverty_household": household}).fillna(False)
    points = sum(flags[name].astype(int) * value for name, value in PRIORITY_POINTS.items())
    reasons = flags.apply(lambda row: ",".join(name for name in PRIORITY_POINTS if row[name]), axis=1)
    return points.astype("int32"), reasons.astype(object)


def build_follow_ups(persons: pd.DataFrame, returns: pd.DataFrame, normalized: pd.DataFrame,
                     record_links: pd.DataFrame, poverty_matches: pd.DataFrame) -> pd.DataFrame:
    """One row per person with a return, columns of schemas.outputs.FOLLOW_UPS."""
    last = _last_escort_with_return(returns)
    due = persons[persons["person_id"].isin(last.index)].set_index("person_id")
    last = last.reindex(due.index)
    records = records_with_person(
        normalized.reindex(columns=["source", "record_id", "township_code", "village_name", "destination"]),
        record_links)
    destination = records.set_index(["source", "record_id"])["destination"]
    escort_keys = pd.MultiIndex.from_arrays([last["escort_source"], last["escort_record_id"]])
    township = _most_frequent(records[records["person_id"].isin(due.index)], "township_code").reindex(due.index)
    village = _most_frequent(records[records["person_id"].isin(due.index)], "village_name").reindex(due.index)
    best_match = (poverty_matches.sort_values(["person_id", "match_probability", "poverty_record_id"],
                                              ascending=[True, False, True], kind="stable")
                  .drop_duplicates("person_id").set_index("person_id"))
    status = best_match["poverty_status"].reindex(due.index).astype(object)
    household = due["poverty_household_id"].astype(object)
    age = pd.to_datetime(last["return_date"]).dt.year - due["birth_year"].astype("Float64")
    priority, reasons = _priority((age < ADULT_AGE).astype("boolean"), last["n_returns"] >= SEVERAL_RETURNS,
                                  household.notna())
    names = {level: division_names(level) for level in ("prefecture", "county", "township")}
    table = pd.DataFrame({
        "person_id": due.index.to_numpy(dtype=object),
        "name": due["name"].to_numpy(dtype=object),
        "sex": due["sex"].to_numpy(dtype=object),
        "birth_year": pd.array(due["birth_year"], dtype="Int32"),
        "home_prefecture_code": due["home_prefecture_code"].to_numpy(dtype=object),
        "home_prefecture_name": due["home_prefecture_code"].map(names["prefecture"]).to_numpy(dtype=object),
        "home_county_code": due["home_county_code"].to_numpy(dtype=object),
        "home_county_name": due["home_county_code"].map(names["county"]).to_numpy(dtype=object),
        "home_township_code": township.to_numpy(dtype=object),
        "home_township_name": township.map(names["township"]).to_numpy(dtype=object),
        "home_village_code": np.full(len(due), None, dtype=object),
        "home_village_name": village.to_numpy(dtype=object),
        "last_escort_date": pd.to_datetime(last["escort_date"]).to_numpy(),
        "last_escort_type": last["exit_type"].to_numpy(dtype=object),
        "last_destination": destination.reindex(escort_keys).to_numpy(dtype=object),
        "last_return_date": pd.to_datetime(last["return_date"]).to_numpy(),
        "last_return_source": last["return_source"].to_numpy(dtype=object),
        "days_to_return": pd.array(last["days_to_return"], dtype="Int32"),
        "n_returns": pd.array(last["n_returns"], dtype="Int32"),
        "last_seen": pd.to_datetime(due["last_seen"]).to_numpy(),
        "poverty_household_id": household.to_numpy(dtype=object),
        "poverty_status": status.to_numpy(dtype=object),
        "poverty_status_code": poverty_status_code(status).to_numpy(dtype=object),
        "priority": priority.to_numpy(),
        "priority_reasons": reasons.to_numpy(dtype=object),
    })
    return table.sort_values(["priority", "home_county_code", "person_id"], ascending=[False, True, True],
                             kind="stable", na_position="last", ignore_index=True)
