"""Pointing the Spark engine at a cluster: `run --spark-master/--spark-conf`, the run's Spark resource,
and scratch locations given as URIs (no Spark session is started here)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from pipelines.cli import main
from pipelines.config import RunConfig, parse_spark_conf
from pipelines.defs.resources import resources_for
from pipelines.spark import paths
from pipelines.spark.normalize import ROW, write_records


def test_spark_conf_flag_rejects_entries_without_key_value(tmp_path, capsys):
    code = main(["run", "--input", str(tmp_path), "--output", str(tmp_path / "out"), "--engine", "spark",
                 "--spark-conf", "spark.executor.memory"])
    error = capsys.readouterr().err.strip()
    assert code == 1 and "\n" not in error
    assert "--spark-conf expects KEY=VALUE" in error and "'spark.executor.memory'" in error
    assert parse_spark_conf(["a.b=1", "c=x=y", "a.b=2", "d="]) == {"a.b": "2", "c": "x=y", "d": ""}


def test_the_runs_spark_resource_carries_master_conf_and_private_scratch(tmp_path):
    config = RunConfig(input_dir=tmp_path, output_dir=tmp_path / "out", engine="spark",
                       spark_master="spark://10.0.0.5:7077", spark_conf={"spark.executor.memory": "8g"})
    spark = resources_for(config)["spark"]
    assert spark.master == "spark://10.0.0.5:7077"
    assert spark.conf["spark.executor.memory"] == "8g"
    assert Path(spark.scratch_dir) == tmp_path / "out" / ".rosterlink" / "scratch"
    assert resources_for(RunConfig(input_dir=tmp_path, output_dir=tmp_path))["spark"].master == "local[*]"


def test_scratch_uris_keep_their_scheme_and_file_uris_are_written(tmp_path):
    assert paths.join("s3a://bucket/rosterlink/", "records-1") == "s3a://bucket/rosterlink/records-1"
    assert paths.join("hdfs://nn:8020/scratch", "r") == "hdfs://nn:8020/scratch/r"
    assert not paths.is_local("s3a://bucket/x") and paths.is_local(f"file://{tmp_path}")
    uri = paths.join(f"file://{tmp_path}", "records")
    write_records(pd.DataFrame({"name": ["扎西", None]}), uri, rows_per_file=1)
    files = sorted((tmp_path / "records").iterdir())
    assert [pq.read_table(f).to_pandas()[ROW].tolist() for f in files] == [[0], [1]]
    assert (tmp_path / "records").stat().st_mode & 0o777 == 0o700
    assert paths.spark_location(uri) == str(tmp_path / "records")
    paths.remove_dir(uri)
    assert not (tmp_path / "records").exists()
