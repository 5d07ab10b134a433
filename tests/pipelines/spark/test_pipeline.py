"""`rosterlink run --engine spark`: a real Dagster run on the Spark engine, normalization included,
gives the persons of the pandas run. Runs before test_session.py (name order): the run's
resource picks up the shared test session and stops it at teardown."""
from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("pyspark")

from pipelines.benchmarks.demo import write_synthetic_input  # noqa: E402
from pipelines.runner import execute  # noqa: E402
from pipelines.config import RunConfig  # noqa: E402


def _partition(output_dir) -> set[frozenset[str]]:
    links = pd.read_parquet(output_dir / "record_links.parquet", columns=["source", "record_id", "person_id"])
    keys = links["source"] + ":" + links["record_id"]
    return set(keys.groupby(links["person_id"]).agg(frozenset).tolist())


def test_a_spark_run_links_the_persons_of_a_pandas_run(spark, tmp_path):
    input_dir = tmp_path / "input"
    write_synthetic_input(input_dir, persons=900, seed=8)
    execute(RunConfig(input_dir=input_dir, output_dir=tmp_path / "pandas"), verbose=False)
    execute(RunConfig(input_dir=input_dir, output_dir=tmp_path / "spark", engine="spark"), verbose=False)
    pandas_persons, spark_persons = _partition(tmp_path / "pandas"), _partition(tmp_path / "spark")
    assert spark_persons == pandas_persons
    assert len(spark_persons) < sum(len(p) for p in spark_persons)  # records were really linked
