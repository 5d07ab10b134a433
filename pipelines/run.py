"""The pipeline's plain functions, without Dagster: reading an input folder, its normalized
records, the run's settings, the counts of a finished run and the explanation of a pair.

The assets (pipelines.defs), the CLI and the bench scripts call these; importing this module
loads neither Dagster nor the assets.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow.parquet as pq

from linkage.engine.settings import LinkageSettings
from linkage.roster.normalize import normalize_records
from linkage.roster.settings import roster_settings
from pipelines.files.ingest import RosterInputError, discover_files
from pipelines.files.writers import MODEL_FILE, RUN_SUMMARY_FILE
from pipelines.local.parallel import read_raw_rows
from quality.quarantine import split_quarantine

SUMMARY_OUTPUTS = ("record_links", "persons", "returns", "poverty_matches", "review_queue", "quarantine")
"""The Parquet outputs whose rows a finished run reports."""


class RunError(Exception):
    """A failure to report as one line on stderr (the message names no personal data)."""


class ThresholdOverrides(Protocol):
    """Optional overrides of the roster settings' thresholds (RunConfig, the LinkageOptions resource)."""

    match_threshold: float | None
    review_floor: float | None


def read_raw(input_dir: Path) -> tuple[pd.DataFrame, int]:
    """Every row of every roster file of the input folder (all sources), and the number of files."""
    files = discover_files(input_dir)
    raw = read_raw_rows(input_dir, list(files))
    if raw.empty:
        raise RosterInputError(f"no data rows in the roster files under {input_dir}")
    return raw, sum(len(paths) for paths in files.values())


def normalized_from_input(input_dir: Path) -> pd.DataFrame:
    """The normalized records of an input folder, exactly as a run builds them."""
    records, _ = split_quarantine(read_raw(input_dir)[0])
    return normalize_records(records)


def settings_for(options: ThresholdOverrides) -> LinkageSettings:
    """The roster settings with the run's threshold overrides."""
    settings = roster_settings()
    overrides = {name: value for name, value in
                 (("match_threshold", options.match_threshold), ("review_floor", options.review_floor))
                 if value is not None}
    return dataclasses.replace(settings, **overrides) if overrides else settings


def output_counts(output_dir: Path) -> dict[str, int]:
    """Rows of each of the finished run's SUMMARY_OUTPUTS (from the Parquet metadata)."""
    return {name: pq.read_metadata(output_dir / f"{name}.parquet").num_rows for name in SUMMARY_OUTPUTS}


def explain_records(output_dir: Path, refs: list[tuple[str, str]]) -> pd.DataFrame:
    """The weight each comparison gives the two (source, record_id) records of a finished run
    (``linkage.engine.explain.explain_pair`` with the run's model.json, on its input folder)."""
    from linkage.engine.explain import explain_pair
    from linkage.engine.fs import FSModel

    summary_path, model_path = output_dir / RUN_SUMMARY_FILE, output_dir / MODEL_FILE
    if not summary_path.exists() or not model_path.exists():
        raise RunError(f"{output_dir} holds no finished run ({RUN_SUMMARY_FILE} and {MODEL_FILE} needed)")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    input_dir = Path(summary["input_folder"])
    normalized = normalized_from_input(input_dir)
    positions = []
    for source, record_id in refs:
        found = normalized.index[(normalized["source"] == source) & (normalized["record_id"] == record_id)]
        if len(found) != 1:
            raise RunError(f"record {source}:{record_id} is not an accepted record of {input_dir}")
        positions.append(int(found[0]))
    model = FSModel.from_json(model_path.read_text(encoding="utf-8"))
    return explain_pair(model, normalized, positions[0], positions[1], roster_settings())
