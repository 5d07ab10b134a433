"""Rows the pipeline must quarantine: duplicate or blank record_id, a missing or unreadable required date."""
from __future__ import annotations

import numpy as np

from schemas.contract import REQUIRED_COLUMNS
from synthetic.params import GeneratorParams
from synthetic.rosters import Roster

_BLANK_IDS = (None, "", "  ")
_BAD_DATES = (None, "", "不详", "待补", "2020-13-01", "2021-02-30", "0000-00-00", "?")


def _take(roster: Roster, index: np.ndarray) -> Roster:
    return Roster(frame=roster.frame.iloc[index].reset_index(drop=True), person=roster.person[index],
                  part=roster.part[index], noise=roster.noise.iloc[index].reset_index(drop=True),
                  event=roster.event[index], escort_exit=roster.escort_exit[index])


def inject_quarantine(source: str, roster: Roster, params: GeneratorParams,
                      rng: np.random.Generator) -> tuple[Roster, np.ndarray]:
    """Add quarantine cases to a roster; returns the new roster and the expect_quarantine flags.

    A duplicate always follows its original in the same file part, so the second one is the row
    that a reader meets later: a re-entered copy of the previous row, or a row whose record_id
    clashes with the previous row's."""
    n = len(roster.person)
    same_part_as_previous = np.flatnonzero(roster.part[1:] == roster.part[:-1]) + 1
    n_duplicates = min(int(round(params.duplicate_record_id * n)), len(same_part_as_previous))
    duplicated = np.sort(rng.choice(same_part_as_previous, size=n_duplicates, replace=False))
    duplicated = duplicated[~np.isin(duplicated - 1, duplicated)]
    n_duplicates = len(duplicated)
    reentry = rng.random(n_duplicates) < 0.5
    copied = duplicated[reentry] - 1
    index = np.concatenate([np.arange(n), copied])
    is_copy = np.concatenate([np.zeros(n, dtype=bool), np.ones(len(copied), dtype=bool)])
    order = np.lexsort((is_copy, index))
    expanded = _take(roster, index[order])
    flagged = is_copy[order].copy()

    position_of = np.flatnonzero(~is_copy[order])   # new position of each original row
    record_ids = expanded.frame["record_id"].to_numpy(dtype=object).copy()
    clashes = position_of[duplicated[~reentry]]
    record_ids[clashes] = record_ids[position_of[duplicated[~reentry] - 1]]
    flagged[clashes] = True
    protected = flagged.copy()  # originals keep their record_id and dates, so their twins stay duplicates
    protected[position_of[duplicated - 1]] = True

    total = len(record_ids)
    free = np.flatnonzero(~protected)
    blank = rng.choice(free, size=min(int(round(params.blank_record_id * total)), len(free)), replace=False)
    for i, pick in zip(blank, rng.integers(0, len(_BLANK_IDS), len(blank))):
        record_ids[i] = _BLANK_IDS[pick]
    flagged[blank] = True
    protected[blank] = True
    expanded.frame["record_id"] = record_ids

    required_dates = [c for c in REQUIRED_COLUMNS[source] if c != "record_id"]
    if required_dates:
        column = required_dates[0]
        free = np.flatnonzero(~protected)
        bad = rng.choice(free, size=min(int(round(params.bad_required_date * total)), len(free)), replace=False)
        values = expanded.frame[column].to_numpy(dtype=object).copy()
        for i, pick in zip(bad, rng.integers(0, len(_BAD_DATES), len(bad))):
            values[i] = _BAD_DATES[pick]
        expanded.frame[column] = values
        flagged[bad] = True
    return expanded, flagged
