"""Dagster resource holding one SparkSession per run (created on first use, stopped at teardown) and
the scratch directory the Spark engine writes the records to for the executors."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import Field, PrivateAttr

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import SparkSession

DEFAULT_CONF: dict[str, str] = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
}


def local_defaults(master: str) -> dict[str, str]:
    """Conf for local[n] masters: a few shuffle partitions per core instead of Spark's 200
    (each is a task, and for the pandas UDFs a Python call), which dominate small runs."""
    if not master.startswith("local"):
        return {}
    inside = master[master.find("[") + 1:master.find("]")] if "[" in master else "1"
    cores = (os.cpu_count() or 1) if inside in ("*", "") else int(inside.split(",")[0])
    return {"spark.sql.shuffle.partitions": str(2 * cores)}


def build_spark_session(master: str, app_name: str, conf: dict[str, str]) -> "SparkSession":
    """A SparkSession for this master with the default conf overridden by `conf`."""
    from pyspark.sql import SparkSession

    # PySpark starts its Python workers with $PYSPARK_PYTHON (default: python3 on the PATH); in
    # local mode that must be this interpreter, whose environment holds pandas and linkage/.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**DEFAULT_CONF, **local_defaults(master), **conf}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


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
