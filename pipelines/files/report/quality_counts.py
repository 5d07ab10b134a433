"""Counts of doubtful values among accepted records, per source, for run_summary.json and the report.

- id numbers by status (linkage.roster.id_numbers): valid, bad_check (check digit fails),
  bad_date (no real birth date inside), malformed, missing;
- birth dates after the event: a written birth date, or the date inside the id number, later
  than the record's event date;
- exit before intake: a station exit dated before its intake.
Doubtful values are kept and used with less weight (CONTRACT.md); these count them, never show them.
"""
from __future__ import annotations

import pandas as pd

ID_STATUSES: tuple[str, ...] = ("valid", "bad_check", "bad_date", "malformed", "missing")


def data_quality_counts(normalized: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per source: records, id numbers per status, birth dates after the event, exits before the intake."""
    event = pd.to_datetime(normalized["event_date"])
    births = [pd.to_datetime(normalized[c]) for c in ("birth_date", "id_birth_date") if c in normalized]
    birth_after = pd.Series(False, index=normalized.index)
    for birth in births:
        birth_after |= (birth > event).fillna(False)
    exit_before = (pd.to_datetime(normalized["exit_date"]) < event).fillna(False) if "exit_date" in normalized \
        else pd.Series(False, index=normalized.index)
    result: dict[str, dict[str, int]] = {}
    for source, rows in normalized.groupby("source", sort=True).groups.items():
        status = normalized.loc[rows, "id_status"].value_counts()
        result[str(source)] = {
            "records": len(rows),
            **{f"id_{s}": int(status.get(s, 0)) for s in ID_STATUSES},
            "birth_after_event": int(birth_after.loc[rows].sum()),
            "exit_before_intake": int(exit_before.loc[rows].sum()),
        }
    return result
