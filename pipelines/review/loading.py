"""What the review page reads once at start: the finished run's outputs and its input's records.

The outputs hold no raw records, so the records' fields come from the input folder named in
run_summary.json, read and normalized as a run does (``pipelines.run``), like ``rosterlink explain``.
When that folder is gone, the page says so and shows what the outputs hold: the record keys, the
persons and the queue's agreement levels with the model's weight per level.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from linkage.engine.explain import explain_pair
from linkage.engine.fs import FSModel
from linkage.roster.normalize import normalize_records
from linkage.roster.settings import roster_settings
from pipelines.files.ingest import RosterInputError
from pipelines.files.writers import RUN_SUMMARY_FILE
from pipelines.review.queue import QueuedPair, RecordKey, order_queue, person_facts
from pipelines.run import RunError, finished_run_input, read_raw
from quality.quarantine import split_quarantine
from schemas.outputs import level_column

REVIEW_QUEUE_FILE = "review_queue.parquet"
RECORD_LINKS_FILE = "record_links.parquet"
PERSONS_FILE = "persons.parquet"
HIDDEN_RECORD_COLUMNS = ("source", "record_id")


@dataclass
class InputRecords:
    """The accepted records of the input folder: as read (canonical columns), as written and normalized."""

    records: pd.DataFrame
    originals: pd.Series
    normalized: pd.DataFrame
    positions: dict[RecordKey, int]


@dataclass
class ReviewData:
    """Everything the page shows, loaded once; ``input_problem`` says why the input's fields are missing."""

    output_dir: Path
    input_dir: Path
    model: FSModel
    match_threshold: float
    queue: list[QueuedPair]
    record_links: pd.DataFrame
    persons: pd.DataFrame
    inputs: InputRecords | None
    input_problem: str | None

    def explanation(self, pair: QueuedPair) -> tuple[pd.DataFrame, bool]:
        """The pair's explanation frame and whether it includes the term-frequency adjustment.

        From the input's records when they are there (exactly ``rosterlink explain``), else from the
        queue's levels and the model's weight per level.
        """
        if self.inputs is not None and pair.left in self.inputs.positions and pair.right in self.inputs.positions:
            i, j = self.inputs.positions[pair.left], self.inputs.positions[pair.right]
            return explain_pair(self.model, self.inputs.normalized, i, j, roster_settings()), True
        rows = [{"comparison": "prior", "level": None, "label": "prior (lambda)", "weight": self.model.prior_weight}]
        for comparison, level in zip(self.model.comparisons, pair.levels):
            present = level >= 0
            rows.append({"comparison": comparison.name, "level": level,
                         "label": comparison.levels[level] if present else "missing",
                         "weight": float(comparison.level_weights()[level]) if present else 0.0})
        return pd.DataFrame(rows), False

    def record_fields(self, key: RecordKey) -> tuple[dict[str, str | None], dict[str, str]] | None:
        """The record's canonical fields as read, and its columns as written in the file; None if not in the input."""
        if self.inputs is None or key not in self.inputs.positions:
            return None
        position = self.inputs.positions[key]
        row = self.inputs.records.iloc[position]
        fields = {name: _text(value) for name, value in row.items() if name not in HIDDEN_RECORD_COLUMNS}
        original = self.inputs.originals.iloc[position]
        written = json.loads(original) if isinstance(original, str) and original else {}
        return fields, {str(name): "" if value is None else str(value) for name, value in written.items()}

    def person_of(self, key: RecordKey) -> str | None:
        """The person id record_links gives the record."""
        found = self.record_links[(self.record_links["source"] == key[0]) & (self.record_links["record_id"] == key[1])]
        return None if found.empty else str(found["person_id"].iloc[0])

    def records_of_person(self, person_id: str | None) -> pd.DataFrame:
        """The person's records (record_links rows) in source, record_id order."""
        if person_id is None:
            return self.record_links.iloc[0:0]
        return self.record_links[self.record_links["person_id"] == person_id].sort_values(["source", "record_id"])


def _text(value) -> str | None:
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _read_inputs(input_dir: Path) -> InputRecords:
    raw, _ = read_raw(input_dir)
    records, _ = split_quarantine(raw)
    originals = raw.loc[records.index, "raw"].reset_index(drop=True)
    records = records.reset_index(drop=True)
    normalized = normalize_records(records)
    positions = {(s, r): k for k, (s, r) in enumerate(zip(normalized["source"], normalized["record_id"]))}
    return InputRecords(records, originals, normalized, positions)


def load_review_data(output_dir: Path) -> ReviewData:
    """Read the finished run of ``output_dir`` and its input folder (RunError when there is no run)."""
    input_dir, model = finished_run_input(output_dir)
    for name in (REVIEW_QUEUE_FILE, RECORD_LINKS_FILE, PERSONS_FILE):
        if not (output_dir / name).exists():
            raise RunError(f"{output_dir} has no {name}: run `rosterlink run` first")
    summary = json.loads((output_dir / RUN_SUMMARY_FILE).read_text(encoding="utf-8"))
    match_threshold = float(summary["thresholds"]["match_threshold"])
    review_queue = pd.read_parquet(output_dir / REVIEW_QUEUE_FILE)
    record_links = pd.read_parquet(output_dir / RECORD_LINKS_FILE)
    persons = pd.read_parquet(output_dir / PERSONS_FILE)
    levels = [level_column(c.name) for c in model.comparisons]
    queue = order_queue(review_queue, levels, match_threshold, person_facts(record_links, persons))
    inputs, problem = None, None
    if not input_dir.is_dir():
        problem = (f"The input folder {input_dir} named in run_summary.json is not there (moved or removed): "
                   "the records' fields cannot be shown, only what the outputs hold.")
    else:
        try:
            inputs = _read_inputs(input_dir)
        except RosterInputError as error:
            problem = f"The input folder {input_dir} cannot be read ({error}): the records' fields cannot be shown."
    if inputs is not None:
        missing = sum(1 for pair in queue for key in (pair.left, pair.right) if key not in inputs.positions)
        if missing:
            problem = (f"The input folder {input_dir} has changed since the run: {missing} record(s) of the queue "
                       "are no longer in it; their fields cannot be shown.")
    return ReviewData(output_dir, input_dir, model, match_threshold, queue, record_links, persons, inputs, problem)
