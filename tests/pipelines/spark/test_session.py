"""pipelines.spark.session, and the Dagster resource holding the session
(pipelines.defs.resources.SparkSessionResource), tested among the Spark tests: it stops their shared session."""


def test_spark_resource_creates_session_lazily_and_stops_it_at_teardown(spark, spark_test_conf, tmp_path):
    """The resource picks up the shared test session (getOrCreate) and stops it, so this file
    runs after the other Spark test files (pytest takes files in name order)."""
    import dagster as dg
    import pandas as pd

    from linkage.roster.normalize import normalize_records
    from pipelines.defs.resources import SparkSessionResource

    resource = SparkSessionResource(master="local[2]", app_name="test-resource", conf=spark_test_conf,
                                    scratch_dir=str(tmp_path / "scratch"))
    records = pd.DataFrame({"source": ["police", "poverty"], "record_id": ["p1", "q1"], "name": ["次仁", None],
                            "event_date": ["2021-03-04", None], "county": [None, "林芝县"]})
    with dg.build_resources({"spark": resource}) as resources:
        assert resources.spark._session is None
        session = resources.spark.get_session()
        assert resources.spark.get_session() is session
        assert session.range(10).count() == 10
        pd.testing.assert_frame_equal(resources.spark.normalize(records), normalize_records(records))
        # the run's record files are gone after use; only Spark's own local dir remains while it runs
        assert [p.name for p in (tmp_path / "scratch").iterdir()] == ["spark-local"]
    assert session.sparkContext._jsc is None  # stopped by teardown_after_execution
    assert list((tmp_path / "scratch").iterdir()) == []  # and its local dir removed with it


def test_local_masters_get_a_few_shuffle_partitions_per_core():
    from pipelines.spark.session import local_defaults

    assert local_defaults("local[3]") == {"spark.sql.shuffle.partitions": "6"}
    assert local_defaults("local") == {"spark.sql.shuffle.partitions": "2"}
    assert local_defaults("spark://master:7077") == {}
