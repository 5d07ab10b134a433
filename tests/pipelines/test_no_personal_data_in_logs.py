"""No name, id number or address of the input shows up in logs, Dagster events or error messages.

Markers come from the generated input itself. Names shorter than 2 characters, addresses
shorter than 4 and id numbers shorter than 15 characters are skipped (too likely to occur by
chance inside other text), as are the unknown-name markers (不详, 无名氏), which are not personal
data, and values found inside the input's file paths (an address that is only a prefecture name,
日喀则市, also names a county's file; files may be named in logs). Birth dates are not searched:
run timestamps and dates in log lines would collide.
"""
from __future__ import annotations

import logging

import dagster as dg
import pandas as pd
import pytest

from pipelines.runner import run_pipeline
from pipelines.config import RunConfig
from pipelines.files.ingest import discover_files, read_source
from schemas.contract import UNKNOWN_NAME_MARKERS
from synthetic.generator import generate
from synthetic.writer import write_contract_folder
from synthetic.params import GeneratorParams

MIN_LENGTH = {"name": 2, "home_address": 4, "id_number": 15, "village": 3}


def _markers(input_dir) -> set[str]:
    raw = pd.concat([read_source(input_dir, source) for source in discover_files(input_dir)], ignore_index=True)
    found: set[str] = set()
    for column, shortest in MIN_LENGTH.items():
        if column not in raw:
            continue
        values = raw[column].dropna().astype(str).str.strip()
        found |= {v for v in values if len(v) >= shortest and v not in UNKNOWN_NAME_MARKERS}
    files = " ".join(raw["file"].unique())
    return {v for v in found if v not in files}


def _event_log_texts(instance, run_id: str) -> list[str]:
    """Every entry of the run's Dagster event log: log lines, events, their metadata and errors."""
    return [repr(entry) for entry in instance.all_logs(run_id)]


def test_no_personal_data_in_logs_events_or_errors(tmp_path, capfd, caplog):
    input_dir = tmp_path / "input"
    write_contract_folder(generate(300, 5, GeneratorParams()), input_dir, 5)
    markers = _markers(input_dir)
    n_markers = len(markers)  # a plain count, so a failing assert cannot print the values
    assert n_markers > 100
    caplog.set_level(logging.DEBUG)
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(RunConfig(input_dir=input_dir, output_dir=tmp_path / "output"), verbose=True,
                          instance=instance)
    assert result.success
    captured = capfd.readouterr()
    events = _event_log_texts(instance, result.run_id)
    assert sum("ASSET_MATERIALIZATION" in e for e in events) >= 12  # the event log really was read
    logs = [captured.out, captured.err, caplog.text, *events]
    text = "\n".join(logs)
    leaked = sum(1 for marker in markers if marker in text)
    assert leaked == 0, f"{leaked} input values appear in logs or events"


def test_failed_run_events_carry_no_personal_data(tmp_path, caplog):
    station = tmp_path / "input" / "station"
    station.mkdir(parents=True)
    (station / "march.csv").write_text(
        "record_id,姓名,身份证号,离站日期\nS-1,扎西次仁,540102198503070013,2021-03-09\n", encoding="utf-8")
    caplog.set_level(logging.DEBUG)
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(RunConfig(input_dir=tmp_path / "input", output_dir=tmp_path / "output"), verbose=True,
                          instance=instance)
    assert not result.success
    text = "\n".join([caplog.text, *_event_log_texts(instance, result.run_id)])
    assert "missing required column intake_date" in text
    assert "扎西次仁" not in text and "540102198503070013" not in text
