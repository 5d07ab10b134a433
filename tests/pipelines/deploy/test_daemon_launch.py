"""The whole job launched the way `dagster dev` launches it: `dagster job launch` queues the run on
a DAGSTER_HOME instance, `dagster-daemon run` dequeues it, the run worker executes each step in its
own process (multiprocess executor), with the test extras (pyspark) installed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.benchmarks.demo import write_synthetic_input

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
DEMO_PERSONS = 300
RUN_TIMEOUT_SECONDS = 1800  # ~2-6 min on 2 idle-to-busy cores; generous for a shared CI box
QUEUED_INSTANCE_YAML = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
"""


def _wait_for_run(instance: dg.DagsterInstance, timeout: float) -> dg.DagsterRun:
    """The instance's one run once it has finished (success, failure or canceled)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = instance.get_runs()
        if runs and runs[0].is_finished:
            return runs[0]
        time.sleep(2)
    status = runs[0].status.value if runs else "never dequeued"
    raise AssertionError(f"the daemon-launched run did not finish in time (status {status})")


@pytest.mark.daemon
def test_daemon_launched_run_succeeds_with_every_check_passed(tmp_path):
    pytest.importorskip("pyspark")  # the point: pyspark installed beside Great Expectations
    home, input_dir, output_dir = tmp_path / "home", tmp_path / "input", tmp_path / "output"
    home.mkdir()
    (home / "dagster.yaml").write_text(QUEUED_INSTANCE_YAML, encoding="utf-8")
    write_synthetic_input(input_dir, DEMO_PERSONS, 7)
    env = {**os.environ, "DAGSTER_HOME": str(home), "DAGSTER_DISABLE_TELEMETRY": "1",
           "ROSTERLINK_INPUT": str(input_dir), "ROSTERLINK_OUTPUT": str(output_dir)}
    launched = subprocess.run([str(BIN / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j", "rosterlink_job"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert launched.returncode == 0, launched.stderr[-2000:]

    daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            run = _wait_for_run(instance, RUN_TIMEOUT_SECONDS)
            evaluations = [record.event_log_entry.asset_check_evaluation for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=1000).records]
            failures = [record.event_log_entry.dagster_event.step_key for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE, limit=100).records]
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)

    assert run.status == dg.DagsterRunStatus.SUCCESS, f"failed steps: {failures}"
    by_name = {evaluation.check_name: evaluation.passed for evaluation in evaluations}
    assert {f"quality_suite_{source}" for source in ("station", "police", "village", "poverty")} <= set(by_name)
    assert all(by_name.values()), {name: passed for name, passed in by_name.items() if not passed}
    assert (output_dir / "record_links.parquet").exists()
