"""The Spark engine normalizes as normalize_records does and gives the pandas engine's pairs, model
and persons on ~2,000 synthetic rows."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")

from linkage.engine.link import link  # noqa: E402
from linkage.roster.normalize import normalize_records  # noqa: E402
from linkage.roster.settings import roster_settings  # noqa: E402
from pipelines.spark.engine import final_labels, link_spark  # noqa: E402
from pipelines.spark.normalize import normalize_spark  # noqa: E402
from synthetic.generator import generate  # noqa: E402



@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    """Accepted records as the ingest gives them: text columns, the file and its row numbers."""
    rosters = generate(4400, 5).rosters
    records = pd.concat([frame.assign(source=source) for source, frame in rosters.items()], ignore_index=True)
    return records.assign(file=records["source"] + ".csv", row_number=np.arange(len(records), dtype=np.int64) + 2)


@pytest.fixture(scope="module")
def normalized(records) -> pd.DataFrame:
    return normalize_records(records)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("spark_scratch")


@pytest.fixture(scope="module")
def spark_normalized(spark, records, scratch) -> pd.DataFrame:
    """Normalized on Spark from Parquet files of 500 records (several partitions and batches)."""
    return normalize_spark(spark, records, scratch, rows_per_file=500)


@pytest.fixture(scope="module")
def both_engines(spark, normalized, spark_normalized):
    settings = roster_settings()
    return link(normalized, settings), link_spark(spark, spark_normalized, settings)


def test_spark_normalization_equals_normalize_records(spark_normalized, normalized, scratch):
    pd.testing.assert_frame_equal(spark_normalized, normalized)
    assert normalized["id18_code"].max() > 100 and normalized["name_canon_code"].max() > 100
    assert list(scratch.iterdir()) == []  # the records' Parquet copy is deleted


def _partition(labels: np.ndarray) -> set[frozenset[int]]:
    groups = pd.Series(np.arange(labels.size)).groupby(labels).agg(frozenset)
    return set(groups.tolist())


def test_same_persons_as_the_pandas_engine(both_engines, normalized):
    pandas_result, spark_result = both_engines
    assert 1800 <= len(normalized) <= 2400
    assert spark_result.labels.size == len(normalized)
    assert _partition(spark_result.labels) == _partition(pandas_result.labels)
    assert (spark_result.labels == pandas_result.labels).all()  # numbered by first record too
    assert spark_result.stats.clusters < len(normalized)  # records were really linked


def test_same_pairs_and_model_as_the_pandas_engine(both_engines):
    pandas_result, spark_result = both_engines
    pd.testing.assert_frame_equal(spark_result.pairs, pandas_result.pairs)
    assert spark_result.model.lambda_ == pandas_result.model.lambda_
    for ours, theirs in zip(spark_result.model.comparisons, pandas_result.model.comparisons):
        assert np.array_equal(ours.m, theirs.m) and np.array_equal(ours.u, theirs.u)
    for key in ("candidate_pairs", "pairs_kept", "pairs_at_threshold", "blocking", "em_sessions"):
        assert getattr(spark_result.stats, key) == getattr(pandas_result.stats, key), key
    merges = ("edges_considered", "merges", "rejected_conflict", "rejected_support")
    assert {k: getattr(spark_result.stats.clustering, k) for k in merges} == \
        {k: getattr(pandas_result.stats.clustering, k) for k in merges}


def test_final_labels_number_clusters_by_first_record():
    clustered = pd.DataFrame({"node": [1, 3, 4], "group": [2, 2, 2], "local": [0, 1, 0]})
    assert final_labels(5, clustered).tolist() == [0, 1, 2, 3, 1]
