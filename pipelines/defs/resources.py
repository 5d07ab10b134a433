"""Dagster resources: the input folder, the output folder, the linkage options, the Spark session,
the quality suites.

The Spark session resource holds one SparkSession per run (created on first use, stopped at
teardown; built by pipelines.spark.session) and the scratch directory the Spark engine writes
the records to for the executors.

The quality suites run inline or in a background process. In the in-process run
(`rosterlink run`) `quarantine_split` calls `start` with the accepted records, a forked child
(pipelines.local.quality_child) validates every source while this process normalizes and links,
and each suite check collects its source's verdict (the checks run last: they carry a low step
priority). Anywhere else (`dagster dev`'s one process per step, a test calling a check alone)
nothing is started and each check validates inline. Both ways run the same
`quality.suites.validate_records` on the same rows.
"""
from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pandas as pd
from pydantic import Field, PrivateAttr

from pipelines.config import DEFAULT_INACTIVE_AFTER_DAYS, DEFAULT_SPARK_MASTER, RunConfig
from pipelines.files.runs import staging_dir
from pipelines.files.state import scratch_path
from pipelines.local.quality_child import receive_verdicts, source_rows, start_child, stop_child
from pipelines.spark import paths
from pipelines.spark.session import LOCAL_DIR_NAME, build_spark_session
from quality.suites import SuiteResult, validate_records

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class InputFolder(dg.ConfigurableResource):
    """The contract's input folder (station/, police/, village/, poverty/)."""

    path: str
    skip_unreadable_files: bool = Field(
        default=False, description="skip (and list in run_summary.json) a file that cannot be read, "
                                   "instead of failing the run")

    @property
    def root(self) -> Path:
        return Path(self.path)


class OutputFolder(dg.ConfigurableResource):
    """The output folder: `root` is this run's staging folder (every step writes there, the final
    step publishes it, pipelines.files.runs), `output_dir` the folder itself, which holds the
    earlier completed run the steps read (person_id_map.parquet)."""

    path: str
    _run_id: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_id = context.run.run_id if context.run is not None else None

    @property
    def run_id(self) -> str:
        if self._run_id is None:
            raise RuntimeError("the output folder is used outside a run")
        return self._run_id

    @property
    def output_dir(self) -> Path:
        return Path(self.path)

    @property
    def root(self) -> Path:
        return staging_dir(self.output_dir, self.run_id)


class LinkageOptions(dg.ConfigurableResource):
    """Engine choice and optional overrides of the roster settings' thresholds."""

    engine: str = "pandas"
    match_threshold: float | None = None
    review_floor: float | None = None


class OutcomeOptions(dg.ConfigurableResource):
    """How outcomes are measured: days unseen after which a person is inactive (RunConfig)."""

    inactive_after_days: int = DEFAULT_INACTIVE_AFTER_DAYS


class SparkSessionResource(dg.ConfigurableResource):
    """The SparkSession for the Spark linkage engine; `master` is e.g. local[*] or spark://host:7077."""

    master: str = Field(default=DEFAULT_SPARK_MASTER, description="spark.master: local[n], spark://..., yarn, k8s://...")
    app_name: str = Field(default="rosterlink", description="Spark application name")
    conf: dict[str, str] = Field(default_factory=dict, description="extra Spark conf, e.g. spark.executor.memory")
    scratch_dir: str = Field(
        description="directory or URI (file://, hdfs://, s3a://) the driver writes the records to and every "
                    "executor reads at the same address; a run's files are deleted after use. The run's "
                    "resource set puts it in the output folder's private state (OUTPUT/.rosterlink/scratch)")

    _session: "SparkSession | None" = PrivateAttr(default=None)

    def get_session(self) -> "SparkSession":
        """The run's SparkSession, created on first call."""
        if self._session is None:
            self._session = build_spark_session(self.master, self.app_name, {**self._local_dir(), **self.conf})
        return self._session

    def _local_dir(self) -> dict[str, str]:
        """spark.local.dir (shuffle and spill files: personal data) inside a local scratch dir, not /tmp;
        on a cluster the workers' SPARK_LOCAL_DIRS decide."""
        if not paths.is_local(self.scratch_dir):
            return {}
        local_dir = paths.local_path(self.scratch_dir) / LOCAL_DIR_NAME
        paths.make_private_dir(local_dir)
        return {"spark.local.dir": str(local_dir.resolve())}

    def normalize(self, records: "pd.DataFrame") -> "pd.DataFrame":
        """``normalize_records(records)`` computed on this session's cluster via the scratch directory."""
        from pipelines.spark.normalize import normalize_spark

        return normalize_spark(self.get_session(), records, self.scratch_dir)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Stop the session and remove Spark's local dir from the scratch (it may hold shuffled records)."""
        if self._session is not None:
            self._session.stop()
            self._session = None
            if paths.is_local(self.scratch_dir):
                paths.remove_dir(paths.local_path(self.scratch_dir) / LOCAL_DIR_NAME)


def spark_resource_for(config: RunConfig) -> SparkSessionResource:
    """The run's Spark resource: its master and conf, scratch in the output folder's private state."""
    return SparkSessionResource(
        master=config.spark_master,
        conf={"spark.ui.showConsoleProgress": "false", **config.spark_conf},
        scratch_dir=str(scratch_path(config.output_dir)))


class QualitySuites(dg.ConfigurableResource):
    """Runs each source's suite; with `background`, all of them in one forked child started early."""

    background: bool = False
    _child: multiprocessing.process.BaseProcess | None = PrivateAttr(default=None)
    _receiver: Connection | None = PrivateAttr(default=None)
    _verdicts: dict[str, SuiteResult] = PrivateAttr(default_factory=dict)

    def start(self, records: pd.DataFrame) -> None:
        """With `background`, fork a child that validates every source present in `records`."""
        if not self.background or self._child is not None:
            return
        self._child, self._receiver = start_child(records)

    def verdict(self, records: pd.DataFrame, source: str) -> SuiteResult:
        """The suite's result on the source's records: from the child when it validated them, else inline."""
        self._collect()
        if source in self._verdicts:
            return self._verdicts[source]
        return validate_records(source_rows(records, source), source)

    def _collect(self) -> None:
        """Receive the child's verdicts once (nothing if it failed: the caller validates inline)."""
        if self._receiver is None:
            return
        received = receive_verdicts(self._receiver)
        self._receiver = None
        self._verdicts.update(received)
        self._stop_child()

    def _stop_child(self) -> None:
        if self._child is not None:
            stop_child(self._child)
            self._child = None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """A run that ends before its checks (a failed step) leaves no child behind."""
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None
        if self._child is not None and self._child.is_alive():
            self._child.terminate()
        self._stop_child()


def resources_for(config: RunConfig, in_process: bool = False) -> dict[str, dg.ConfigurableResource]:
    """The resource set of a run with this configuration (the Spark session starts only if used).

    `in_process`: every step runs in this one process (the CLI's run), so the quality suites can
    run in a background process started by an early step and be collected by the checks."""
    return {
        "quality_suites": QualitySuites(background=in_process),
        "spark": spark_resource_for(config),
        "input_folder": InputFolder(path=str(config.input_dir), skip_unreadable_files=config.skip_unreadable_files),
        "output_folder": OutputFolder(path=str(config.output_dir)),
        "linkage_options": LinkageOptions(
            engine=config.engine,
            match_threshold=config.match_threshold,
            review_floor=config.review_floor,
        ),
        "outcome_options": OutcomeOptions(inactive_after_days=config.inactive_after_days),
    }
