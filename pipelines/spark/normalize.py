"""normalize_records on Spark: the row-wise normalization on the executors, the global codes on the cluster.

1. The accepted records are written as a Parquet dataset (one file per ``rows_per_file`` rows,
   each row's position in ``_row``) to the scratch directory, which the executors read.
2. ``linkage.roster.normalize.normalize_rows`` runs on each partition (``mapInPandas``); a row's values
   depend on that row alone, so the partitioning does not change them.
3. The global code columns (``linkage.roster.normalize.CODE_VOCABULARIES``) are numbered on the
   cluster as ``pandas.factorize`` numbers them: per vocabulary, each distinct value's first
   position (column index * rows + ``_row``), the values ranked by it (a window per vocabulary),
   joined back to the rows.
4. The driver collects the rows with their codes in ``_row`` order and puts the code columns in
   place with ``linkage.roster.normalize.add_codes``: the frame equals ``normalize_records(records)``.

The Parquet dataset holds personal data: it is deleted when the normalization ends.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from linkage.roster.normalize import CODE_VOCABULARIES, add_codes, normalize_rows
from pipelines.spark import paths

ROW = "_row"
ROWS_PER_FILE = 100_000
SCHEMA_SAMPLE_ROWS = 1_000
CODE_COLUMNS: tuple[str, ...] = tuple(code for vocabulary in CODE_VOCABULARIES for _, code in vocabulary)

_SPARK_TYPES: dict[str, T.DataType] = {
    "object": T.StringType(), "bool": T.BooleanType(), "int64": T.LongType(), "Int64": T.LongType(),
    "int32": T.IntegerType(), "Int32": T.IntegerType(), "float64": T.DoubleType(),
    "datetime64[ns]": T.TimestampNTZType(),
}


def _arrow_schema(records: pd.DataFrame) -> pa.Schema:
    """Text columns as strings, others as Arrow infers them, plus the int64 row position."""
    fields = [pa.field(column, pa.string()) if records[column].dtype == object
              else pa.Schema.from_pandas(records[[column]], preserve_index=False).field(column)
              for column in records.columns]
    return pa.schema([*fields, pa.field(ROW, pa.int64())])


def write_records(records: pd.DataFrame, directory: str | Path, rows_per_file: int = ROWS_PER_FILE) -> None:
    """The records as a Parquet dataset in `directory` (a new path or URI), their positions in ``_row``."""
    records = records.reset_index(drop=True)
    text = records.columns[records.dtypes == object]
    records[text] = records[text].astype(object).where(records[text].notna(), None)
    schema = _arrow_schema(records)
    paths.make_private_dir(directory)
    filesystem, root = paths.arrow_filesystem(directory)
    for number, start in enumerate(range(0, max(len(records), 1), rows_per_file)):
        part = records.iloc[start:start + rows_per_file]
        part = part.assign(**{ROW: np.arange(start, start + len(part), dtype=np.int64)})
        table = pa.Table.from_pandas(part, schema=schema, preserve_index=False)
        pq.write_table(table, f"{root}/part-{number:05d}.parquet", filesystem=filesystem)


def spark_schema(frame: pd.DataFrame) -> T.StructType:
    """The Spark schema of a frame of normalize_rows (text, bool, integer, float, datetime columns)."""
    unknown = [column for column, dtype in frame.dtypes.items() if str(dtype) not in _SPARK_TYPES]
    if unknown:
        raise TypeError(f"no Spark type for the dtype of columns {unknown}")
    return T.StructType([T.StructField(str(column), _SPARK_TYPES[str(dtype)], True)
                         for column, dtype in frame.dtypes.items()])


def _rows_fn(record_dtypes: dict[str, object]):
    """mapInPandas function: normalize_rows of each batch of records, with the batch's ``_row``."""
    def normalized_rows(batches):
        for batch in batches:
            if len(batch):
                rows = normalize_rows(batch.drop(columns=[ROW]).astype(record_dtypes))
                yield rows.assign(**{ROW: batch[ROW].to_numpy()})

    return normalized_rows


def _with_codes(rows: DataFrame, n_rows: int) -> DataFrame:
    """`rows` plus the global code columns, numbered by first position as pandas.factorize does."""
    keyed = rows.select(ROW, F.inline(F.array(*[
        F.struct(F.lit(number).alias("vocabulary"), F.lit(code).alias("code_column"),
                 F.col(key).alias("value"), (F.lit(index * n_rows) + F.col(ROW)).alias("position"))
        for number, vocabulary in enumerate(CODE_VOCABULARIES) for index, (key, code) in enumerate(vocabulary)
    ]))).where(F.col("value").isNotNull())
    first_position = keyed.groupBy("vocabulary", "value").agg(F.min("position").alias("first"))
    numbered = first_position.select(
        "vocabulary", "value",
        (F.row_number().over(Window.partitionBy("vocabulary").orderBy("first")) - 1).alias("code"))
    per_row = (keyed.join(numbered, ["vocabulary", "value"])
               .groupBy(ROW).agg(*[F.max(F.when(F.col("code_column") == code, F.col("code"))).alias(code)
                                   for code in CODE_COLUMNS]))
    return rows.join(per_row, ROW, "left").select(
        *rows.columns, *[F.coalesce(F.col(code), F.lit(-1).cast("long")).alias(code) for code in CODE_COLUMNS])


def normalize_spark(spark: SparkSession, records: pd.DataFrame, scratch_dir: str | Path,
                    rows_per_file: int = ROWS_PER_FILE) -> pd.DataFrame:
    """``linkage.roster.normalize.normalize_records(records)``, computed on the cluster (equal frame).

    `scratch_dir`: a directory (path or URI: file://, hdfs://, s3a://) the driver writes and every
    executor reads at the same address (local disk for local[n], shared storage on a cluster).
    """
    records = records.reset_index(drop=True)
    reference = normalize_rows(records.head(SCHEMA_SAMPLE_ROWS))
    dataset = paths.join(scratch_dir, f"records-{uuid.uuid4().hex}")
    try:
        write_records(records, dataset, rows_per_file)
        rows = (spark.read.parquet(paths.spark_location(dataset))
                .mapInPandas(_rows_fn(records.dtypes.to_dict()), spark_schema(reference.assign(**{ROW: 0})))
                .persist())
        try:
            collected = _with_codes(rows, len(records)).toPandas()
        finally:
            rows.unpersist()
    finally:
        paths.remove_dir(dataset)
    collected = collected.sort_values(ROW, kind="stable").reset_index(drop=True)
    normalized_rows = collected[list(reference.columns)].astype(reference.dtypes.to_dict())
    return add_codes(normalized_rows, {code: collected[code].to_numpy(np.int64) for code in CODE_COLUMNS})
