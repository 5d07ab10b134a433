"""The in-process run of the code location (`rosterlink run`, `demo`, the demo benchmark).

Every asset is materialized and every check run in this process, on an ephemeral Dagster
instance; intermediate values stay in memory. This module uses the code location
(pipelines.definitions), it is not part of it.
"""
from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipelines.config import RunConfig
from pipelines.run import RunError


@contextmanager
def dagster_environment() -> Iterator[Path]:
    """Telemetry off, a throw-away DAGSTER_HOME when none is set; yields a temp dir for run artifacts.

    The CLI runs on an ephemeral instance whose artifacts live in that temp dir, removed afterwards,
    so a run leaves nothing behind but the output folder.
    """
    os.environ["DAGSTER_DISABLE_TELEMETRY"] = "1"
    with tempfile.TemporaryDirectory(prefix="rosterlink-dagster-") as scratch:
        if os.environ.get("DAGSTER_HOME"):
            yield Path(scratch)
            return
        Path(scratch, "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        os.environ["DAGSTER_HOME"] = scratch
        try:
            yield Path(scratch)
        finally:
            os.environ.pop("DAGSTER_HOME", None)


def failure_message(result) -> str:
    """One line for a failed run: the user error's own message, else the failing step and error class."""
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        error = event.step_failure_data.error
        cause = error.cause if error is not None and error.cause is not None else error
        if cause is None:
            return f"step {event.step_key} failed"
        if cause.cls_name in ("RosterInputError", "OutputSchemaError"):
            message = cause.message.strip().split(f"{cause.cls_name}: ", 1)[-1]
            return " ".join(message.split())
        return f"step {event.step_key} failed with {cause.cls_name}"
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            return f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} failed"
    return "run failed"


def run_pipeline(config: RunConfig, verbose: bool = False, instance=None):
    """Materialize every asset and run every check in-process; intermediate values stay in memory.

    Without `instance`, the run uses an ephemeral Dagster instance in a temporary folder.
    """
    from pipelines.definitions import JOB_NAME, build_definitions

    job = build_definitions(config, io_manager=dg.mem_io_manager, in_process=True).resolve_job_def(JOB_NAME)
    log_level = "INFO" if verbose else "CRITICAL"
    with dagster_environment() as scratch, warnings.catch_warnings():
        if not verbose:
            warnings.simplefilter("ignore")
        return job.execute_in_process(
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            instance=instance or dg.DagsterInstance.ephemeral(tempdir=str(scratch)),
            raise_on_error=False,
        )


def execute(config: RunConfig, verbose: bool) -> None:
    """Run the pipeline for this configuration; a failure becomes one RunError line."""
    if not config.input_dir.is_dir():
        raise RunError(f"input folder {config.input_dir} does not exist or is not a folder")
    if config.output_dir.exists() and not config.output_dir.is_dir():
        raise RunError(f"output path {config.output_dir} exists and is not a folder")
    result = run_pipeline(config, verbose=verbose)
    if not result.success:
        raise RunError(failure_message(result))
    failed = [e for e in result.get_asset_check_evaluations()
              if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    if failed:
        names = ", ".join(sorted(e.check_name for e in failed))
        raise RunError(f"outputs written to {config.output_dir} but these checks failed: {names}")
