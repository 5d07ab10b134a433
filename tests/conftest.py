"""Fixtures shared by the pipeline tests."""
import pytest

SPARK_TEST_CONF = {"spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false"}


@pytest.fixture(scope="session")
def spark_test_conf() -> dict[str, str]:
    """Spark settings for tests: few shuffle partitions, no UI."""
    return dict(SPARK_TEST_CONF)


@pytest.fixture(scope="session")
def spark():
    """One real local[2] Spark session for every Spark test (a JVM start costs ~20 s)."""
    pytest.importorskip("pyspark")
    from pipelines.spark.session import build_spark_session

    session = build_spark_session("local[2]", "rosterlink-tests", SPARK_TEST_CONF)
    yield session
    session.stop()
