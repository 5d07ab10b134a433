"""Building the SparkSession of the Spark engine: the default conf and the local masters' defaults.

The Dagster resource holding the run's session is pipelines.defs.resources.SparkSessionResource;
this module loads neither Dagster nor (until a session is built) PySpark.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
