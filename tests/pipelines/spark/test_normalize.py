"""What the Spark normalization relies on: normalize_rows is row-wise, add_codes numbers as
factorize does, the records' Parquet copy keeps every value. (The Spark run itself is tested
against normalize_records in test_spark_engine.py.)"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

pytest.importorskip("pyspark")

from pyspark.sql import types as T  # noqa: E402

from linkage.roster.normalize import CODE_KEY_COLUMNS, add_codes, normalize_records, normalize_rows  # noqa: E402
from pipelines.spark.normalize import CODE_COLUMNS, ROW, spark_schema, write_records  # noqa: E402
from synthetic.generator import generate  # noqa: E402


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    rosters = generate(1500, 3).rosters
    return pd.concat([frame.assign(source=source) for source, frame in rosters.items()], ignore_index=True)


def test_normalize_rows_of_parts_equal_the_rows_of_the_whole(records):
    """Any split of the records (here shuffled parts of uneven size) gives the same rows."""
    whole = normalize_rows(records)
    order = np.random.default_rng(3).permutation(len(records))
    parts = [normalize_rows(records.iloc[chunk]).set_axis(chunk)
             for chunk in np.split(order, [50, 51, 400, 700])]
    pd.testing.assert_frame_equal(pd.concat(parts).sort_index(), whole)


def test_add_codes_numbers_values_by_first_appearance_in_one_shared_name_vocabulary(records):
    rows = normalize_rows(records)
    normalized = add_codes(rows)
    pd.testing.assert_frame_equal(normalized, normalize_records(records))
    assert not set(CODE_KEY_COLUMNS) & set(normalized.columns)
    expected = pd.factorize(rows["id18"])[0]
    assert (normalized["id18_code"].to_numpy() == expected).all()
    canon = normalized["name_canon_code"].to_numpy()
    first_comp = normalized["name_comp1_code"].to_numpy()
    same_text = (rows["name_canon"] == rows["name_comp1"]).to_numpy()  # a one-component name
    assert same_text.any() and (canon[same_text] == first_comp[same_text]).all()
    assert (normalized["place_county_code"] >= 0).sum() == rows["place_county_key"].notna().sum()


def test_given_code_columns_go_in_place_of_computed_ones(records):
    rows = normalize_rows(records)
    computed = add_codes(rows)
    given = {column: computed[column].to_numpy() + 7 for column in CODE_COLUMNS}
    shifted = add_codes(rows, given)
    assert list(shifted.columns) == list(computed.columns)
    assert (shifted["household_code"] == computed["household_code"] + 7).all()
    assert (shifted["sex_code"] == computed["sex_code"]).all()  # row-wise, not a global code


def test_records_parquet_keeps_text_positions_and_missing_values(tmp_path):
    records = pd.DataFrame({"name": ["扎西", np.nan, None, "次仁"], "row_number": [2, 3, 4, 5],
                            "age": [None, None, None, None]})
    write_records(records, tmp_path / "records", rows_per_file=3)
    files = sorted((tmp_path / "records").iterdir())
    assert [pq.read_metadata(f).num_rows for f in files] == [3, 1]
    back = pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
    assert back["name"].tolist() == ["扎西", None, None, "次仁"]
    assert back["age"].tolist() == [None] * 4 and back[ROW].tolist() == [0, 1, 2, 3]
    assert back["row_number"].dtype == np.int64


def test_spark_schema_of_the_normalized_rows(records):
    schema = spark_schema(normalize_rows(records.head(20)))
    types = {field.name: field.dataType for field in schema.fields}
    assert types["name_canon"] == T.StringType() and types["birth_year_lo"] == T.IntegerType()
    assert types["event_date"] == T.TimestampNTZType() and types["id_valid"] == T.BooleanType()
    with pytest.raises(TypeError):
        spark_schema(pd.DataFrame({"when": pd.to_timedelta([1], unit="D")}))
