"""The pipeline's plain functions, without Dagster: reading an input folder, its normalized
records, the run's settings.

The assets (pipelines.defs), the CLI and the bench scripts call these; importing this module
loads neither Dagster nor the assets.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Protocol

import pandas as pd

from linkage.engine.settings import LinkageSettings
from linkage.roster.normalize import normalize_records
from linkage.roster.settings import roster_settings
from pipelines.files.ingest import RosterInputError, discover_files
from pipelines.local.parallel import read_raw_rows
from quality.quarantine import split_quarantine


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
