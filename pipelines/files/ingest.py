"""Read the roster files of the input folder into raw-row frames, every cell as text.

Which files are read is pipelines.files.discovery's rule; the readers are csv_reader (CSV),
sheets (the spreadsheet formats) and the Parquet reader here. One frame per source (see
docs/DESIGN.md "raw rows"): ``source``, ``file`` (the safe path relative to INPUT),
``row_number``, the canonical columns (str or None), ``read_fault`` when a row of the file
could not be parsed (``malformed_row``, else None; the column is there only then) and ``raw``,
the JSON of the row as read under its original headers.

Choices worth knowing:

- ``row_number`` is the 1-based data row in the file (header excluded). Blank rows after the
  last row holding any value are where the sheet ends (spreadsheets often carry formatted empty
  rows), so they are not input rows. A blank row between data rows is an input row: it is kept
  and the quarantine gives it its reason. A header-only file gives zero rows.
- A malformed row keeps its row number; its canonical cells are None and ``raw`` holds its
  fields as read (fields past the header under ``column_<n>``): the quarantine rejects it.
- Numbers become their exact digits: an integral float is written through the shortest
  decimal that round-trips (``repr``), so a 15-digit id number stored as a number keeps every
  digit, and an 18-digit one that Excel already rounded shows the digits Excel shows.
- Two columns that map to one canonical column are refused (which one holds the truth is
  not ours to guess). Repeated headers of unknown columns are kept in ``raw`` as ``X``, ``X.1``;
  a column without a header and without data is ignored, with data it is ``column_<n>``.
- A Parquet file whose row groups declare more than ``MAX_PARQUET_BYTES`` unpacked is refused.
"""
from __future__ import annotations

from json.encoder import encode_basestring
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from pipelines.files.cells import Table, cell_text, stripped_text
from pipelines.files.csv_reader import read_csv
from pipelines.files.discovery import (READ_SUFFIXES, RosterInputError, discover_files, display_path,
                                       scan_input, source_files)
from pipelines.files.sheets import read_sheet
from quality.quarantine import MALFORMED_ROW, READ_FAULT
from schemas.contract import ALIASES, CANONICAL_COLUMNS, REQUIRED_COLUMNS, SOURCE_COLUMNS, SOURCES, header_lookup

__all__ = ["RosterInputError", "discover_files", "frame_columns", "read_file", "read_source", "scan_input",
           "source_files", "source_frame", "stack_sources", "cell_text"]

LEADING_COLUMNS: tuple[str, ...] = ("source", "file", "row_number")
RAW_COLUMN = "raw"
MAX_PARQUET_BYTES = 1 << 30
"""Declared unpacked size of a Parquet file's row groups beyond which it is refused."""


def _raw_json(keys: list[str], columns: list[np.ndarray]) -> list[str]:
    """One JSON object per row, as json.dumps(dict(zip(keys, row)), ensure_ascii=False) writes it."""
    encoded = []
    for key, values in zip(keys, columns):
        prefix = f"{encode_basestring(key)}: "
        encoded.append([prefix + ("null" if v is None else encode_basestring(v)) for v in values.tolist()])
    return ["{" + ", ".join(row) + "}" for row in zip(*encoded)]


# ---------------------------------------------------------------- Parquet

def _arrow_text(column) -> np.ndarray:
    """A pyarrow ChunkedArray as an object array of str/None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = pc.cast(column, kind.value_type)
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return stripped_text(column.to_numpy(zero_copy_only=False))
    if pa.types.is_integer(kind) or pa.types.is_date(kind):
        return stripped_text(pc.cast(column, pa.string()).to_numpy(zero_copy_only=False))
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        column = pc.local_timestamp(column)  # the wall-clock date where it was recorded
    return np.array([cell_text(v) for v in column.to_pylist()], dtype=object)


def _read_parquet(path: Path, rel: str) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)
        unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        if unpacked > MAX_PARQUET_BYTES:
            raise RosterInputError(f"{rel}: refused, the file unpacks to {unpacked >> 20} MB "
                                   f"(limit {MAX_PARQUET_BYTES >> 20} MB)")
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise RosterInputError(f"{rel}: cannot read Parquet ({type(error).__name__})") from None
    headers = [cell_text(name) for name in table.column_names]
    return Table(headers, [_arrow_text(table.column(i)) for i in range(table.num_columns)])


_READERS = {".csv": read_csv, ".parquet": _read_parquet,
            **{suffix: read_sheet for suffix in READ_SUFFIXES if suffix not in (".csv", ".parquet")}}


# ---------------------------------------------------------------- assembling the raw-row frame

def _canonical_positions(headers: list[str | None], source: str, rel: str) -> dict[str, int]:
    lookup = header_lookup()
    positions: dict[str, int] = {}
    for position, header in enumerate(headers):
        canonical = lookup.get(header.lower()) if header else None
        if canonical is None:
            continue
        if canonical in positions:
            raise RosterInputError(
                f"{rel}: columns {positions[canonical] + 1} and {position + 1} both map to "
                f"{canonical}; keep one"
            )
        positions[canonical] = position
    for required in REQUIRED_COLUMNS[source]:
        if required not in positions:
            accepted = ", ".join((required, *ALIASES[required]))
            raise RosterInputError(f"{rel}: missing required column {required} (header one of: {accepted})")
    return positions


def _raw_keys(headers: list[str | None]) -> list[str]:
    """Original headers made unique (X, X.1, ...); a blank header becomes column_<n>."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for position, header in enumerate(headers):
        key = header if header else f"column_{position + 1}"
        if key in seen:
            seen[key] += 1
            key = f"{key}.{seen[key]}"
        else:
            seen[key] = 0
        keys.append(key)
    return keys


def frame_extras(columns: Iterable[str]) -> set[str]:
    """The columns of `columns` that frame_columns places (canonical ones and read_fault)."""
    return {c for c in columns if c in CANONICAL_COLUMNS or c == READ_FAULT}


def frame_columns(source: str, extra_canonical: Iterable[str] = ()) -> list[str]:
    """Column order of a raw-row frame: leading, the source's columns, other canonical ones,
    read_fault when given, raw."""
    extra = set(extra_canonical)
    canonical = list(SOURCE_COLUMNS[source]) + [
        c for c in CANONICAL_COLUMNS if c in extra and c not in SOURCE_COLUMNS[source]
    ]
    fault = [READ_FAULT] if READ_FAULT in extra else []
    return [*LEADING_COLUMNS, *canonical, *fault, RAW_COLUMN]


def _malformed_raw(headers: list[str | None], fields: list[str]) -> str:
    """``raw`` of a malformed row: its fields under the original headers, the fields past them as column_<n>."""
    keys = _raw_keys([*headers, *[None] * (len(fields) - len(headers))])[: len(fields)]
    return _raw_json(keys, [np.array([f or None], dtype=object) for f in fields])[0] if fields else "{}"


def _assemble(table: Table, source: str, rel: str) -> pd.DataFrame:
    headers, columns = table.headers, table.columns
    if not any(headers):
        raise RosterInputError(f"{rel}: empty file (no header row)")
    positions = _canonical_positions(headers, source, rel)
    n_rows = len(columns[0]) if columns else 0
    present = np.zeros((n_rows, len(columns)), dtype=bool)
    for j, values in enumerate(columns):
        present[:, j] = pd.notna(values)
    kept_columns = [j for j in range(len(columns)) if headers[j] or present[:, j].any()]
    nonblank = np.union1d(np.flatnonzero(present.any(axis=1)), np.array(sorted(table.malformed), dtype=np.int64))
    keep_rows = np.arange(n_rows) <= (nonblank[-1] if nonblank.size else -1)
    row_numbers = np.arange(1, n_rows + 1, dtype=np.int64)[keep_rows]
    kept = {j: columns[j][keep_rows] for j in kept_columns}
    keys = _raw_keys([headers[j] for j in kept_columns])
    raw = np.array(_raw_json(keys, [kept[j] for j in kept_columns]), dtype=object)

    out: dict[str, object] = {
        "source": np.full(len(row_numbers), source, dtype=object),
        "file": np.full(len(row_numbers), rel, dtype=object),
        "row_number": row_numbers,
    }
    names = frame_columns(source, set(positions) | ({READ_FAULT} if table.malformed else set()))
    for name in names[len(LEADING_COLUMNS):-1]:
        position = positions.get(name)
        out[name] = kept[position] if position is not None else np.full(len(row_numbers), None, dtype=object)
    if table.malformed:
        out[READ_FAULT][sorted(table.malformed)] = MALFORMED_ROW
        for row, fields in table.malformed.items():
            raw[row] = _malformed_raw(headers, fields)
    out[RAW_COLUMN] = raw
    return pd.DataFrame(out, columns=names)


def read_file(path: Path, source: str, input_dir: Path) -> pd.DataFrame:
    """Read one roster file into a raw-row frame (docs/DESIGN.md "raw rows")."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {SOURCES}")
    path = Path(path)
    rel = display_path(path.relative_to(input_dir).as_posix())
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise RosterInputError(f"{rel}: not a roster file (expected one of {', '.join(READ_SUFFIXES)})")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise RosterInputError(f"{rel}: cannot read ({type(error).__name__})") from None
    if size == 0:
        raise RosterInputError(f"{rel}: empty file (no header row)")
    try:
        table = reader(path, rel)
    except (PermissionError, IsADirectoryError, FileNotFoundError) as error:
        raise RosterInputError(f"{rel}: cannot read ({type(error).__name__})") from None
    return _assemble(table, source, rel)


def read_source(input_dir: Path, source: str) -> pd.DataFrame:
    """All files of one source concatenated; an absent source gives an empty frame.

    ``len()`` of the result is the number of rows read; an input whose files hold no data
    rows at all is for the caller to judge.
    """
    return source_frame(source, [read_file(path, source, input_dir) for path in source_files(input_dir, source)])


def source_frame(source: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The raw-row frames of one source's files (in file order) as one frame, columns aligned."""
    names = frame_columns(source, frame_extras(c for frame in frames for c in frame.columns))
    for frame in frames:
        for name in names:
            if name not in frame.columns:
                frame[name] = np.full(len(frame), None, dtype=object)
    if not frames:
        empty = pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
        return empty.astype({"row_number": np.int64})
    return pd.concat([frame[names] for frame in frames], ignore_index=True)


def stack_sources(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of several sources as one, text columns missing in a source as None (never NaN)."""
    stacked = pd.concat(parts, ignore_index=True)
    text = stacked.columns[stacked.dtypes == object]
    stacked[text] = stacked[text].astype(object).where(stacked[text].notna(), None)
    return stacked
