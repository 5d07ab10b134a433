"""The code location loads, validates with the dagster CLI, and holds the job, schedule and checks."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import JOB_NAME, defs

REPO = Path(__file__).resolve().parents[2]


def test_dagster_definitions_validate_passes(tmp_path):
    dagster = Path(sys.executable).parent / "dagster"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "DAGSTER_DISABLE_TELEMETRY": "1"}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    completed = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
                               cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "Validation successful for code location rosterlink" in completed.stderr + completed.stdout


def test_job_materializes_every_asset_and_runs_every_check():
    job = defs.resolve_job_def(JOB_NAME)
    graph = defs.resolve_asset_graph()
    selected = {key for key in job.asset_layer.asset_graph.get_all_asset_keys()}
    assert selected == set(graph.get_all_asset_keys())
    expected = {"raw_rosters", "skipped_files", "records", "quarantine", "normalized_records", "linkage_result",
                "review_decisions", "record_links", "match_pairs", "review_queue", "returns", "poverty_matches", "persons", "follow_ups",
                "returns_by_cohort", "run_summary", "report"}
    assert {key.to_user_string() for key in selected} == expected
    check_names = {key.name for key in graph.asset_check_keys}
    assert {"rows_accounted_for", "record_links_persons_exist", "returns_after_escort",
            "poverty_matches_point_at_registry", "one_valid_id_number_per_person", "follow_ups_match_returns"} <= check_names
    assert {f"quality_suite_{source}" for source in ("station", "police", "village", "poverty")} <= check_names


def test_daily_schedule_is_stopped_by_default():
    schedule = defs.resolve_schedule_def("rosterlink_daily")
    assert schedule.job_name == JOB_NAME
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_workspace_matches_pyproject_code_location():
    workspace = (REPO / "workspace.yaml").read_text(encoding="utf-8")
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "location_name: rosterlink" in workspace and "module_name: pipelines.definitions" in workspace
    assert 'code_location_name = "rosterlink"' in pyproject and 'defs_module = "pipelines.definitions"' in pyproject
