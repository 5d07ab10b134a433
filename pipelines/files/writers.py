"""Atomic writes of the contract's output files: Parquet with explicit schemas, JSON, HTML."""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.contract import CONTRACT_VERSION
from pipelines.files.state import PRIVATE_FILE_MODE
from schemas.outputs import OUTPUT_SCHEMAS, PRIVATE_OUTPUTS, with_contract_version

PERSON_ID_MAP_FILE = "person_id_map.parquet"
MODEL_FILE = "model.json"
RUN_SUMMARY_FILE = "run_summary.json"
REPORT_FILE = "report.html"

# Not a contract output: the run-to-run memory that keeps person ids stable.
PERSON_ID_MAP = pa.schema([
    pa.field("record_key", pa.string(), nullable=False),
    pa.field("person_id", pa.string(), nullable=False),
])


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_current_umask()  # what open() would give; mkstemp makes 0600 files


class OutputSchemaError(ValueError):
    """A frame does not fit the output schema of its file (names the file and column only)."""


@contextmanager
def atomic_path(path: Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary path in the target's folder, moved over the target only when writing succeeded
    (with `mode`, else what open() would give)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE if mode is None else mode)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _as_text(value: Any) -> str | None:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    return str(value)


def _as_text_list(value: Any) -> list[str] | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return [str(item) for item in value]


def _text_as_is(series: pd.Series, kind: pa.DataType) -> pa.Array | None:
    """An object column of text (or lists of text) and missing values straight to Arrow; None when
    it holds anything else (numbers, ...), which then goes through str() value by value."""
    if series.dtype != object:
        return None
    try:
        return pa.array(series.to_numpy(), type=kind, from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None


def _column_array(series: pd.Series, field: pa.Field) -> pa.Array:
    """One column converted to the field's Arrow type (dates truncated to days, text as str)."""
    kind = field.type
    if pa.types.is_string(kind):
        direct = _text_as_is(series, kind)
        return direct if direct is not None else pa.array([_as_text(v) for v in series], type=kind)
    if pa.types.is_list(kind):
        direct = _text_as_is(series, kind)
        return direct if direct is not None else pa.array([_as_text_list(v) for v in series], type=kind)
    if pa.types.is_date(kind):
        values = pd.to_datetime(series, errors="raise")
        return pa.array(values, from_pandas=True).cast(kind)
    if pa.types.is_integer(kind):
        return pa.array(pd.array(series, dtype="Int64"), type=pa.int64()).cast(kind)
    if pa.types.is_boolean(kind):
        return pa.array(pd.array(series, dtype="boolean"), type=kind)
    return pa.array(series, type=kind, from_pandas=True)


def to_table(frame: pd.DataFrame, schema: pa.Schema, label: str) -> pa.Table:
    """The frame as an Arrow table of exactly this schema (extra columns dropped, optional ones filled)."""
    arrays = []
    for field in schema:
        if field.name in frame.columns:
            try:
                array = _column_array(frame[field.name], field)
            except (TypeError, ValueError, pa.ArrowException) as error:
                raise OutputSchemaError(
                    f"{label}: column {field.name} cannot be stored as {field.type} ({type(error).__name__})"
                ) from None
        elif field.nullable:
            array = pa.nulls(len(frame), type=field.type)
        else:
            raise OutputSchemaError(f"{label}: required column {field.name} is missing")
        if not field.nullable and array.null_count:
            raise OutputSchemaError(f"{label}: required column {field.name} has {array.null_count} empty values")
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=with_contract_version(schema))


def write_parquet(frame: pd.DataFrame, path: Path, schema: pa.Schema, mode: int | None = None) -> Path:
    """Write the frame atomically as Parquet with this schema and the contract version."""
    table = to_table(frame, schema, path.name)
    with atomic_path(path, mode) as tmp:
        pq.write_table(table, tmp)
    return path


def write_output(frame: pd.DataFrame, output_dir: Path, file_name: str) -> Path:
    """Write one of the contract's Parquet outputs (e.g. `persons.parquet`) into the output folder;
    PRIVATE_OUTPUTS are written 0600."""
    if file_name not in OUTPUT_SCHEMAS:
        raise KeyError(f"{file_name} is not an output of the contract")
    mode = PRIVATE_FILE_MODE if file_name in PRIVATE_OUTPUTS else None
    return write_parquet(frame, Path(output_dir) / file_name, OUTPUT_SCHEMAS[file_name], mode)


def _write_text(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_json(payload: Any, path: Path, default: Callable[[Any], Any] | None = None) -> Path:
    """Write JSON atomically (UTF-8, non-ASCII kept readable)."""
    return _write_text(path, json.dumps(payload, ensure_ascii=False, indent=2, default=default) + "\n")


def write_run_summary(summary: dict[str, Any], output_dir: Path) -> Path:
    """Write run_summary.json atomically, stamping the contract version."""
    return write_json({**summary, "contract_version": CONTRACT_VERSION}, Path(output_dir) / RUN_SUMMARY_FILE, default=str)


def write_model_json(model_json: str, output_dir: Path) -> Path:
    """Write the trained linkage model (the engine's own JSON text) atomically."""
    return _write_text(Path(output_dir) / MODEL_FILE, model_json)


def write_report(html: str, output_dir: Path) -> Path:
    """Write report.html atomically."""
    return _write_text(Path(output_dir) / REPORT_FILE, html)


def write_person_id_map(mapping: pd.DataFrame, output_dir: Path) -> Path:
    """Keep the (record_key, person_id) mapping for the next run on this output folder."""
    return write_parquet(mapping, Path(output_dir) / PERSON_ID_MAP_FILE, PERSON_ID_MAP)


def read_person_id_map(output_dir: Path) -> pd.DataFrame:
    """The (record_key, person_id) mapping a previous run left here; no rows when there is none."""
    path = Path(output_dir) / PERSON_ID_MAP_FILE
    if not path.exists():
        return pd.DataFrame({"record_key": pd.Series([], dtype=object), "person_id": pd.Series([], dtype=object)})
    return pq.read_table(path, columns=["record_key", "person_id"]).to_pandas()
