"""The decisions store: case workers' decisions on pairs of records, append-only, in SQLite.

One row per decision, never updated or deleted. A pair is two record keys (source, record_id)
in a canonical order, so (a, b) and (b, a) are one pair; the latest decision on a pair (by
``decided_at``, then by insertion) is the one in force, the earlier ones stay in the history.
The file lives in the output folder's private state (``pipelines.files.state``) and is 0600.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from pipelines.files.state import PRIVATE_FILE_MODE, state_dir
from schemas.contract import SOURCES

DECISIONS_FILE = "decisions.sqlite"
DECISION_VALUES: tuple[str, ...] = ("same", "different", "unsure")
COLUMNS: tuple[str, ...] = ("left_source", "left_record_id", "right_source", "right_record_id",
                            "decision", "reviewer", "decided_at", "note")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    left_source TEXT NOT NULL,
    left_record_id TEXT NOT NULL,
    right_source TEXT NOT NULL,
    right_record_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('same', 'different', 'unsure')),
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    note TEXT
);
CREATE INDEX IF NOT EXISTS decisions_pair ON decisions (left_source, left_record_id, right_source, right_record_id);
"""


class DecisionError(ValueError):
    """A decision that cannot be stored (names the field, never a name or id number)."""


@dataclass(frozen=True)
class Decision:
    """One decision on one pair of records; ``decided_at`` is UTC."""

    left_source: str
    left_record_id: str
    right_source: str
    right_record_id: str
    decision: str
    reviewer: str
    decided_at: datetime
    note: str | None = None

    def canonical(self) -> "Decision":
        """The same decision with its two records in sorted order, checked."""
        for field in ("left_source", "left_record_id", "right_source", "right_record_id", "reviewer"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise DecisionError(f"{field} is empty")
        for field in ("left_source", "right_source"):
            if getattr(self, field) not in SOURCES:
                raise DecisionError(f"{field} is not one of {', '.join(SOURCES)}")
        if self.decision not in DECISION_VALUES:
            raise DecisionError(f"decision must be one of {', '.join(DECISION_VALUES)}")
        left = (self.left_source, self.left_record_id.strip())
        right = (self.right_source, self.right_record_id.strip())
        if left == right:
            raise DecisionError("a decision needs two different records")
        first, second = sorted((left, right))
        when = self.decided_at if self.decided_at.tzinfo else self.decided_at.replace(tzinfo=timezone.utc)
        return Decision(first[0], first[1], second[0], second[1], self.decision, self.reviewer.strip(),
                        when.astimezone(timezone.utc), self.note or None)


class DecisionStore:
    """Append-only decisions of one output folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
        os.chmod(self.path, PRIVATE_FILE_MODE)
        with self._connect() as connection:
            connection.executescript(_SCHEMA)

    @classmethod
    def for_output(cls, output_dir: Path) -> "DecisionStore":
        """The store in ``output_dir``'s private state."""
        return cls(state_dir(output_dir) / DECISIONS_FILE)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            with connection:  # one transaction: committed on success, rolled back on error
                yield connection
        finally:
            connection.close()

    def add(self, decisions: Iterable[Decision]) -> int:
        """Append every decision in one transaction (all or none); returns how many."""
        rows = []
        for decision in decisions:
            d = decision.canonical()
            rows.append((d.left_source, d.left_record_id, d.right_source, d.right_record_id, d.decision,
                         d.reviewer, d.decided_at.isoformat(timespec="microseconds"), d.note))
        with self._connect() as connection:
            connection.executemany(
                f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def history(self) -> pd.DataFrame:
        """Every decision ever stored, oldest first (``id`` is the insertion order)."""
        with self._connect() as connection:
            frame = pd.read_sql_query(f"SELECT id, {', '.join(COLUMNS)} FROM decisions ORDER BY id", connection)
        frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True, format="ISO8601")
        return frame

    def current(self) -> pd.DataFrame:
        """The decision in force on each pair: the latest by decided_at, then by insertion."""
        history = self.history()
        ordered = history.sort_values(["decided_at", "id"], kind="stable")
        pair = ["left_source", "left_record_id", "right_source", "right_record_id"]
        return ordered.drop_duplicates(pair, keep="last").sort_values("id").reset_index(drop=True)
