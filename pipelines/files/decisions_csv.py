"""The decisions CSV of the contract (left_source, left_record_id, right_source, right_record_id,
decision, reviewer, optional decided_at and note): parsed whole before anything is stored, so a
bad row stores nothing; its error names the row (the file's line number, header = line 1) and
the field, never a value."""
from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from pipelines.files.decisions import COLUMNS, Decision, DecisionError

REQUIRED = COLUMNS[:6]


def read_decisions_csv(path: Path, now: datetime | None = None) -> list[Decision]:
    """Every row of the file as a checked Decision; a blank decided_at is ``now`` (the import time)."""
    now = now or datetime.now(timezone.utc)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise DecisionError(f"{path.name}: missing column {', '.join(missing)}")
        reader.fieldnames = header
        decisions = []
        for row in reader:
            line = reader.line_num
            if None in row:
                raise DecisionError(f"row {line}: more fields than the header")
            values = {key: (value or "").strip() for key, value in row.items()}
            try:
                decided_at = datetime.fromisoformat(values["decided_at"]) if values.get("decided_at") else now
            except ValueError:
                raise DecisionError(f"row {line}: decided_at is not an ISO 8601 time") from None
            decision = Decision(values["left_source"], values["left_record_id"], values["right_source"],
                                values["right_record_id"], values["decision"], values["reviewer"], decided_at,
                                values.get("note") or None)
            try:
                decisions.append(decision.canonical())
            except DecisionError as error:
                raise DecisionError(f"row {line}: {error}") from None
    return decisions


def write_decisions_csv(history: pd.DataFrame, path: Path) -> int:
    """Every decision of the history, oldest first, in the contract's columns; returns how many."""
    frame = history[list(COLUMNS)].copy()
    frame["decided_at"] = frame["decided_at"].map(lambda t: t.isoformat())
    frame.to_csv(path, index=False, encoding="utf-8")
    return len(frame)
