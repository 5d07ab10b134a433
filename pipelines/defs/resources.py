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
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pandas as pd
from pydantic import Field, PrivateAttr

from pipelines.config import RunConfig
from pipelines.local.quality_child import receive_verdicts, source_rows, start_child, stop_child
from pipelines.spark.session import build_spark_session
from quality.suites import SuiteResult, validate_records

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class InputFolder(dg.ConfigurableResource):
    """The contract's input folder (station/, police/, village/, poverty/)."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)


class OutputFolder(dg.ConfigurableResource):
    """The folder the contract's output files are written to (created on first use)."""

    path: str

    @property
    def root(self) -> Path:
        root = Path(self.path)
        root.mkdir(parents=True, exist_ok=True)
        return root


class LinkageOptions(dg.ConfigurableResource):
    """Engine choice and optional overrides of the roster settings' thresholds."""

    engine: str = "pandas"
    match_threshold: float | None = None
    review_floor: float | None = None


class SparkSessionResource(dg.ConfigurableResource):
    """The SparkSession for the Spark linkage engine; `master` is e.g. local[*] or spark://host:7077."""

    master: str = Field(default="local[*]", description="spark.master: local[n], spark://..., yarn, k8s://...")
    app_name: str = Field(default="rosterlink", description="Spark application name")
    conf: dict[str, str] = Field(default_factory=dict, description="extra Spark conf, e.g. spark.executor.memory")
    scratch_dir: str = Field(
        default=str(Path(tempfile.gettempdir()) / "rosterlink-spark"),
        description="directory the driver writes the records to and every executor reads at the same path "
                    "(shared storage on a cluster); each run's files are deleted after use")

    _session: "SparkSession | None" = PrivateAttr(default=None)

    def get_session(self) -> "SparkSession":
        """The run's SparkSession, created on first call."""
        if self._session is None:
            self._session = build_spark_session(self.master, self.app_name, dict(self.conf))
        return self._session

    def normalize(self, records: "pd.DataFrame") -> "pd.DataFrame":
        """``normalize_records(records)`` computed on this session's cluster via the scratch directory."""
        from pipelines.spark.normalize import normalize_spark

        return normalize_spark(self.get_session(), records, self.scratch_dir)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._session is not None:
            self._session.stop()
            self._session = None


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
        "spark": SparkSessionResource(conf={"spark.ui.showConsoleProgress": "false"}),
        "input_folder": InputFolder(path=str(config.input_dir)),
        "output_folder": OutputFolder(path=str(config.output_dir)),
        "linkage_options": LinkageOptions(
            engine=config.engine,
            match_threshold=config.match_threshold,
            review_floor=config.review_floor,
        ),
    }
