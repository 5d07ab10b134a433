"""persons.parquet: one row per person, its fields chosen from the person's records by fixed rules.

Each field is chosen among candidate values with a priority; within the highest priority
present, the most frequent value wins, ties going to the smallest value (so the result does
not depend on row order):

- name: the written form `name_norm`; records with a valid id number or from the poverty
  registry first, then any record.
- sex: the sex digit of valid id numbers first, then the known `sex` values (a tie between
  M and F among equals goes to F, the smaller value).
- birth_date: the birth date embedded in a valid id number first, then a day-precision
  `birth_date` field.
- birth_year: the year of birth_date; else the most frequent exact year (birth_year_lo ==
  birth_year_hi); else the one year shared by all of the person's year intervals (ages at
  events), when they narrow down to one year; else missing.
- id_number: a valid id number first, then any normalized id (`id18`).
- home_county_code: `county_code` of registry records (poverty, village) first, then of any
  record, then the current county of a valid id number's area code (`id_county`).
- home_prefecture_code: the prefecture of home_county_code (its first four digits + "00"),
  so the two never disagree; without a county, `prefecture_code` of registry records first,
  then of any record.
- poverty_household_id: the household of the person's best-linked poverty match (highest
  match_probability), or for a person made of poverty records only, of the best-linked of
  those records.
- first_seen / last_seen: the earliest / latest event date; on_poverty_list: any poverty
  record; seen_in_city: any station or police record; n_returns: rows of returns.
- status / last_seen_in_city: see person_status (by-name-list statuses, never deleted).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.roster.outcomes.poverty import records_with_person
from linkage.roster.person_ids import factorize_sorted
from schemas.contract import CITY_SOURCES, POVERTY_SOURCE, REGISTRY_SOURCES, SOURCES

PERSON_STATUSES: tuple[str, ...] = ("active", "returned", "inactive")
INACTIVE_AFTER_DAYS = 90
"""Default days unseen in the city after which a person is inactive (pipelines.config overrides)."""

# The columns build_persons reads: only these are joined to their person (a copy of all would cost more).
USED_COLUMNS: tuple[str, ...] = (
    "source", "record_id", "id_status", "name_norm", "sex", "id_sex", "birth_date", "id_birth_date",
    "birth_year_lo", "birth_year_hi", "id18", "county_code", "id_county", "prefecture_code", "household_id",
    "event_date",
)


def pick_per_person(codes: np.ndarray, value_codes: np.ndarray, uniques: pd.Index, priority: np.ndarray,
                    n_persons: int) -> pd.Series:
    """Chosen value per person code 0..n_persons-1 among candidates (person code, value code into the
    sorted ``uniques``, -1 for missing; priority): highest priority, then most frequent, then smallest."""
    known = value_codes >= 0
    n_values = max(len(uniques), 1)
    n_priorities = int(priority.max()) + 1 if len(priority) else 1
    keys = (codes[known].astype(np.int64) * n_priorities + priority[known]) * n_values + value_codes[known]
    distinct, counts = np.unique(keys, return_counts=True)
    person_priority = distinct // n_values
    person = person_priority // n_priorities
    starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]]) if len(person) else person
    score = ((person_priority % n_priorities) * (int(counts.max(initial=0)) + 1) + counts) * n_values \
        + (n_values - 1 - distinct % n_values)
    chosen = np.full(n_persons, -1, dtype=np.int64)
    if len(starts):
        chosen[person[starts]] = n_values - 1 - np.maximum.reduceat(score, starts) % n_values
    if uniques.dtype == object:
        picked = np.full(n_persons, None, dtype=object)
        picked[chosen >= 0] = uniques.to_numpy(dtype=object)[chosen[chosen >= 0]]
        return pd.Series(picked, dtype=object)
    return pd.Series(pd.api.extensions.take(uniques.array, chosen, allow_fill=True))


def _birth_year(
    codes: np.ndarray, records: pd.DataFrame, birth_date: pd.Series, n_persons: int
) -> pd.Series:
    """Birth year per person: from birth_date, else the most frequent exact year, else a one-year intersection."""
    low = records["birth_year_lo"].astype("Int32")
    high = records["birth_year_hi"].astype("Int32")
    exact = low.where(low == high)
    exact_year = pick_per_person(codes, *factorize_sorted(exact), np.zeros(len(codes), dtype=np.int8), n_persons)
    bounds = pd.DataFrame({"code": codes, "low": low, "high": high}).groupby("code").agg(
        low=("low", "max"), high=("high", "min")
    ).reindex(pd.RangeIndex(n_persons))
    single_year = bounds["low"].where(bounds["low"] == bounds["high"]).astype("Int32")
    from_date = pd.Series(birth_date.dt.year, dtype="Int32")
    return from_date.fillna(exact_year).fillna(single_year).astype("Int32")


def _sources_lists(codes: np.ndarray, source: np.ndarray, n_persons: int) -> list[list[str]]:
    """Sorted list of the sources present per person (through a bit mask: 16 combinations at most)."""
    ordered = sorted(SOURCES)
    mask = np.zeros(n_persons, dtype=np.int64)
    for bit, name in enumerate(ordered):
        mask |= (np.bincount(codes[source == name], minlength=n_persons) > 0).astype(np.int64) << bit
    lists = {m: [name for bit, name in enumerate(ordered) if m >> bit & 1] for m in np.unique(mask)}
    return [list(lists[m]) for m in mask]


def _household(
    codes: np.ndarray,
    records: pd.DataFrame,
    person_index: pd.Index,
    poverty_matches: pd.DataFrame,
) -> pd.Series:
    """poverty_household_id per person code: best-linked poverty match, else best-linked poverty record."""
    is_poverty = (records["source"] == POVERTY_SOURCE).to_numpy()
    matched_persons = person_index.get_indexer(poverty_matches["person_id"])
    if (matched_persons < 0).any():
        raise ValueError(f"{int((matched_persons < 0).sum())} poverty_matches rows name an unknown person_id")
    registry_only = is_poverty & ~np.isin(codes, matched_persons)
    candidates = pd.DataFrame({
        "code": np.concatenate([matched_persons, codes[registry_only]]),
        "probability": np.concatenate([
            poverty_matches["match_probability"].to_numpy(dtype="float64"),
            records["match_probability"].to_numpy(dtype="float64")[registry_only],
        ]),
        "household": np.concatenate([
            poverty_matches["household_id"].to_numpy(dtype=object),
            records["household_id"].to_numpy(dtype=object)[registry_only],
        ]),
    })
    candidates = candidates[candidates["household"].notna()]
    best = candidates.sort_values(
        ["code", "probability", "household"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("code")
    household = pd.Series(None, index=pd.RangeIndex(len(person_index)), dtype=object)
    household.iloc[best["code"].to_numpy()] = best["household"].to_numpy()
    return household


def build_persons(
    normalized: pd.DataFrame,
    record_links: pd.DataFrame,
    returns: pd.DataFrame,
    poverty_matches: pd.DataFrame,
    as_of: pd.Timestamp | None = None,
    inactive_after_days: int = INACTIVE_AFTER_DAYS,
) -> pd.DataFrame:
    """One row per person of record_links, columns of schemas.outputs.PERSONS, sorted by person_id;
    status as of `as_of` (default: the latest event date of the records), see person_status."""
    records = records_with_person(normalized[list(USED_COLUMNS)], record_links)
    codes, person_index = factorize_sorted(records["person_id"])
    n = len(person_index)
    source = records["source"].to_numpy(dtype=object)
    valid_id = (records["id_status"] == "valid").to_numpy()
    registry = np.isin(source, list(REGISTRY_SOURCES))
    anyone = np.ones(len(records), dtype=bool)
    coded: dict[str, tuple[np.ndarray, pd.Index]] = {}

    def column_codes(columns: list[str]) -> tuple[list[np.ndarray], pd.Index]:
        """Value codes of each column into the sorted values of them all (each column factorized once)."""
        for column in columns:
            if column not in coded:
                coded[column] = factorize_sorted(records[column])
        if len(columns) == 1:
            return [coded[columns[0]][0]], coded[columns[0]][1]
        sizes = np.cumsum([0] + [len(coded[c][1]) for c in columns])
        joint, uniques = factorize_sorted(pd.Series(coded[columns[0]][1].append([coded[c][1] for c in columns[1:]])))
        # code -1 (missing) takes the appended -1
        return [np.append(joint[sizes[i]:sizes[i + 1]], -1)[coded[c][0]] for i, c in enumerate(columns)], uniques

    def pick(parts: list[tuple[np.ndarray, str, int]]) -> pd.Series:
        """Pick among candidate groups (rows selected, column, priority)."""
        columns = list(dict.fromkeys(column for _, column, _ in parts))
        value_codes, uniques = column_codes(columns)
        return pick_per_person(
            np.concatenate([codes[rows] for rows, _, _ in parts]),
            np.concatenate([value_codes[columns.index(column)][rows] for rows, column, _ in parts]),
            uniques,
            np.concatenate([np.full(int(rows.sum()), rank, dtype=np.int8) for rows, _, rank in parts]),
            n,
        )

    name = pick([(valid_id | (source == POVERTY_SOURCE), "name_norm", 1), (anyone, "name_norm", 0)])
    sex = pick([(valid_id, "id_sex", 1), (anyone, "sex", 0)])
    birth_date = pick([(valid_id, "id_birth_date", 1), (anyone, "birth_date", 0)])
    id_number = pick([(valid_id, "id18", 1), (anyone, "id18", 0)])
    county = pick([(registry, "county_code", 2), (anyone, "county_code", 1), (valid_id, "id_county", 0)])
    prefecture_of_county = county.str.slice(0, 4) + "00"
    prefecture = prefecture_of_county.where(
        county.notna(), pick([(registry, "prefecture_code", 1), (anyone, "prefecture_code", 0)])
    )
    dates = records.groupby(codes)["event_date"].agg(["min", "max"]).reindex(pd.RangeIndex(n))
    returns_per_person = returns["person_id"].value_counts().reindex(person_index, fill_value=0)

    persons = pd.DataFrame({
        "person_id": person_index.to_numpy(dtype=object),
        "name": name.to_numpy(dtype=object),
        "sex": sex.to_numpy(dtype=object),
        "birth_date": birth_date.dt.normalize().to_numpy(),
        "birth_year": _birth_year(codes, records, birth_date, n).to_numpy(),
        "id_number": id_number.to_numpy(dtype=object),
        "home_county_code": county.to_numpy(dtype=object),
        "n_records": pd.array(np.bincount(codes, minlength=n), dtype="Int32"),
        "sources": _sources_lists(codes, source, n),
        "first_seen": dates["min"].dt.normalize().to_numpy(),
        "last_seen": dates["max"].dt.normalize().to_numpy(),
        "on_poverty_list": np.bincount(codes[source == POVERTY_SOURCE], minlength=n) > 0,
        "poverty_household_id": _household(codes, records, person_index, poverty_matches).to_numpy(dtype=object),
        "n_returns": pd.array(returns_per_person.to_numpy(), dtype="Int32"),
        "home_prefecture_code": prefecture.to_numpy(dtype=object),
        "seen_in_city": np.bincount(codes[np.isin(source, list(CITY_SOURCES))], minlength=n) > 0,
    })
    in_city = np.isin(source, list(CITY_SOURCES)) & records["event_date"].notna().to_numpy()
    city_dates = pd.DataFrame({"person_id": person_index.to_numpy(dtype=object)[codes[in_city]],
                               "event_date": records["event_date"].to_numpy()[in_city]})
    latest = records["event_date"].max() if as_of is None else as_of
    return person_status(persons, city_dates, returns, None if pd.isna(latest) else pd.Timestamp(latest),
                         inactive_after_days)



def person_status(persons: pd.DataFrame, city_dates: pd.DataFrame, returns: pd.DataFrame,
                  as_of: pd.Timestamp | None, inactive_after_days: int) -> pd.DataFrame:
    """persons with `status` and `last_seen_in_city`, as of the latest event date of the data (a by-name list).

    city_dates: person_id and event_date of every station or police record. A person is
    `returned` when a return of theirs is dated within inactive_after_days of as_of; else
    `active` when last seen in the city within those days; else `inactive` (never deleted),
    which includes persons never seen in the city.
    """
    last_city = pd.to_datetime(city_dates.groupby("person_id")["event_date"].max()).dt.normalize()
    last_return = pd.to_datetime(returns.groupby("person_id")["return_date"].max()).dt.normalize()
    seen = persons["person_id"].map(last_city)
    came_back = persons["person_id"].map(last_return)
    status = np.full(len(persons), "inactive", dtype=object)
    if as_of is not None:
        since = pd.Timestamp(as_of).normalize() - pd.Timedelta(days=inactive_after_days)
        status[(seen >= since).to_numpy(dtype=bool, na_value=False)] = "active"
        status[(came_back >= since).to_numpy(dtype=bool, na_value=False)] = "returned"
    return persons.assign(status=status, last_seen_in_city=seen.to_numpy())
