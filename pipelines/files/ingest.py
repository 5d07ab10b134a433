"""Read the roster files of the input folder into raw-row frames, every cell as text.

Layout: ``INPUT/<source>/*.{csv,xlsx,parquet}`` for the sources of the contract. One frame per
source (see docs/DESIGN.md "raw rows"): ``source``, ``file``, ``row_number``, the canonical
columns (str or None) and ``raw``, the JSON of the row as read under its original headers.

Choices worth knowing:

- ``row_number`` is the 1-based data row in the file (header excluded). Blank rows after the
  last row holding any value are where the sheet ends (spreadsheets often carry formatted empty
  rows), so they are not input rows. A blank row between data rows is an input row: it is kept
  and the quarantine gives it its reason. A header-only file gives zero rows.
- CSV encoding is detected: a UTF-8 BOM means UTF-8; otherwise strict UTF-8, then strict
  GB18030. Decoded text holding control characters or private-use code points is rejected
  (random bytes and other encodings that slip through GB18030 look like that); NUL bytes or
  a UTF-16 BOM mean an encoding the contract does not accept.
- XLSX is read with calamine (python-calamine), openpyxl only for a sheet holding a number
  at or beyond 2**53 (see ``FLOAT_EXACT_LIMIT``). An error cell (#N/A, #DIV/0!) holds no value.
- Numbers become their exact digits: an integral float is written through the shortest
  decimal that round-trips (``repr``), so a 15-digit id number stored as a number keeps every
  digit, and an 18-digit one that Excel already rounded shows the digits Excel shows.
- Two columns that map to one canonical column are refused (which one holds the truth is
  not ours to guess). Repeated headers of unknown columns are kept in ``raw`` as ``X``, ``X.1``;
  a column without a header and without data is ignored, with data it is ``column_<n>``.
"""
from __future__ import annotations

import codecs
import datetime as dt
import io
from json.encoder import encode_basestring
import re
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from schemas.contract import (
    ALIASES,
    CANONICAL_COLUMNS,
    INPUT_SUFFIXES,
    REQUIRED_COLUMNS,
    SOURCE_COLUMNS,
    SOURCES,
    header_lookup,
)

LEADING_COLUMNS: tuple[str, ...] = ("source", "file", "row_number")
RAW_COLUMN = "raw"

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# C0 controls except tab/newline/carriage return, DEL, and the private use area
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff]")
_PANDAS_LINE = re.compile(r"line (\d+)")


class RosterInputError(Exception):
    """An input file or folder the pipeline cannot read; the message names the file, never a value."""


def _is_roster_file(path: Path) -> bool:
    return (
        path.is_file()
        and path.suffix.lower() in INPUT_SUFFIXES
        and not path.name.startswith((".", "~$"))
    )


def source_files(input_dir: Path, source: str) -> list[Path]:
    """The roster files of one source folder, sorted; empty when the folder is absent."""
    folder = Path(input_dir) / source
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _is_roster_file(p))


def discover_files(input_dir: Path) -> dict[str, list[Path]]:
    """Roster files per source, for the sources that have at least one file."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise RosterInputError(f"input folder not found: {input_dir}")
    found = {source: source_files(input_dir, source) for source in SOURCES}
    found = {source: files for source, files in found.items() if files}
    if not found:
        raise RosterInputError(
            f"no roster files under {input_dir} (expected station/, police/, village/ or "
            "poverty/ with .csv/.xlsx/.parquet files)"
        )
    return found


# ---------------------------------------------------------------- cell values as text

def _number_text(value: float) -> str:
    """Digits of an integral float (shortest round-trip decimal), else its repr."""
    if value.is_integer():
        return str(int(Decimal(repr(value))))
    return repr(value)


def cell_text(value: object) -> str | None:
    """One spreadsheet/Parquet cell as the text a person would read; blank -> None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return None if value != value else _number_text(value)  # NaN is a missing cell
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip() or None


def _stripped_text(values: np.ndarray) -> np.ndarray:
    """Object array of str/NaN/None -> stripped str, blank and missing as None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    stripped = pc.utf8_trim_whitespace(pa.array(values, type=pa.string(), from_pandas=True))
    blank_as_null = pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)
    return blank_as_null.to_numpy(zero_copy_only=False)


def _raw_json(keys: list[str], columns: list[np.ndarray]) -> list[str]:
    """One JSON object per row, as json.dumps(dict(zip(keys, row)), ensure_ascii=False) writes it."""
    encoded = []
    for key, values in zip(keys, columns):
        prefix = f"{encode_basestring(key)}: "
        encoded.append([prefix + ("null" if v is None else encode_basestring(v)) for v in values.tolist()])
    return ["{" + ", ".join(row) + "}" for row in zip(*encoded)]


# ---------------------------------------------------------------- readers: (headers, columns)

Table = tuple[list[str | None], list[np.ndarray]]


def _decode_csv(data: bytes, rel: str) -> str:
    if b"\x00" in data or data.startswith(_UTF16_BOMS):
        raise RosterInputError(f"{rel}: unknown text encoding (expected UTF-8 or GB18030)")
    encodings = ("utf-8-sig",) if data.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _NOT_TEXT.search(text):
            return text
    raise RosterInputError(f"{rel}: unknown text encoding (expected UTF-8 or GB18030)")


def _read_csv(path: Path, rel: str) -> Table:
    text = _decode_csv(path.read_bytes(), rel)
    try:
        frame = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, keep_default_na=False,
            skip_blank_lines=False, index_col=False,
        )
    except pd.errors.EmptyDataError:
        raise RosterInputError(f"{rel}: empty file (no header row)") from None
    except pd.errors.ParserError as error:
        line = _PANDAS_LINE.search(str(error))
        where = f" at line {line[1]}" if line else ""
        raise RosterInputError(f"{rel}: malformed CSV{where} (a row longer than the header, or an open quote)") from None
    headers = [cell_text(v) if isinstance(v, str) else None for v in frame.iloc[0]]
    columns = [_stripped_text(frame[c].to_numpy(dtype=object)[1:]) for c in frame.columns]
    return headers, columns


FLOAT_EXACT_LIMIT = 2.0 ** 53
"""Integers from here on are not all representable as floats: calamine reads every XLSX number
as a float, so a sheet holding such a number is read again with openpyxl, which keeps the
digits of an integer cell (written by a tool other than Excel) exactly."""


def _xlsx_table(header: Sequence[object] | None, body: list[list[str | None]], rel: str) -> Table:
    """Headers and columns of a sheet's rows (cells already as text), ragged rows padded."""
    if header is None:
        raise RosterInputError(f"{rel}: empty file (no header row)")
    width = max([len(header), *(len(row) for row in body)])
    headers = [cell_text(v) for v in header] + [None] * (width - len(header))
    matrix = np.full((len(body), width), None, dtype=object)
    for i, row in enumerate(body):
        matrix[i, : len(row)] = row
    return headers, [matrix[:, j] for j in range(width)]


def _read_xlsx_openpyxl(path: Path, rel: str) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = workbook.worksheets[0].iter_rows(values_only=True)
            header = next(rows, None)
            body = [[cell_text(v) for v in row] for row in rows]
        finally:
            workbook.close()
    except Exception as error:  # any failure of the parser on untrusted bytes
        raise RosterInputError(f"{rel}: cannot read XLSX ({type(error).__name__})") from None
    return _xlsx_table(header, body, rel)


def _beyond_float_precision(rows: list[list[object]]) -> bool:
    return any(type(v) is float and abs(v) >= FLOAT_EXACT_LIMIT for row in rows for v in row)


def _read_xlsx(path: Path, rel: str) -> Table:
    """The first worksheet through calamine (an order of magnitude faster than openpyxl).

    Cells keep the meaning openpyxl gives them: dates as dates, numbers as numbers, the grid
    from cell A1 (leading blank rows and columns kept); an error cell (#N/A) holds no value.
    """
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            kinds = [sheet.typ for sheet in workbook.sheets_metadata]
            if SheetTypeEnum.WorkSheet not in kinds:
                raise RosterInputError(f"{rel}: cannot read XLSX (no worksheet)")
            sheet = workbook.get_sheet_by_index(kinds.index(SheetTypeEnum.WorkSheet))
            rows = sheet.to_python(skip_empty_area=False)
    except RosterInputError:
        raise
    except Exception as error:  # any failure of the parser on untrusted bytes
        raise RosterInputError(f"{rel}: cannot read XLSX ({type(error).__name__})") from None
    if _beyond_float_precision(rows):
        return _read_xlsx_openpyxl(path, rel)
    body = [[cell_text(v) for v in row] for row in rows[1:]]
    return _xlsx_table(rows[0] if rows else None, body, rel)


def _arrow_text(column) -> np.ndarray:
    """A pyarrow ChunkedArray as an object array of str/None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = pc.cast(column, kind.value_type)
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _stripped_text(column.to_numpy(zero_copy_only=False))
    if pa.types.is_integer(kind) or pa.types.is_date(kind):
        return _stripped_text(pc.cast(column, pa.string()).to_numpy(zero_copy_only=False))
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        column = pc.local_timestamp(column)  # the wall-clock date where it was recorded
    return np.array([cell_text(v) for v in column.to_pylist()], dtype=object)


def _read_parquet(path: Path, rel: str) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise RosterInputError(f"{rel}: cannot read Parquet ({type(error).__name__})") from None
    headers = [cell_text(name) for name in table.column_names]
    return headers, [_arrow_text(table.column(i)) for i in range(table.num_columns)]


_READERS = {".csv": _read_csv, ".xlsx": _read_xlsx, ".parquet": _read_parquet}


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


def frame_columns(source: str, extra_canonical: Iterable[str] = ()) -> list[str]:
    """Column order of a raw-row frame: leading, the source's columns, other canonical ones, raw."""
    extra = set(extra_canonical)
    canonical = list(SOURCE_COLUMNS[source]) + [
        c for c in CANONICAL_COLUMNS if c in extra and c not in SOURCE_COLUMNS[source]
    ]
    return [*LEADING_COLUMNS, *canonical, RAW_COLUMN]


def _assemble(headers: list[str | None], columns: list[np.ndarray], source: str, rel: str) -> pd.DataFrame:
    if not any(headers):
        raise RosterInputError(f"{rel}: empty file (no header row)")
    positions = _canonical_positions(headers, source, rel)
    n_rows = len(columns[0]) if columns else 0
    present = np.zeros((n_rows, len(columns)), dtype=bool)
    for j, values in enumerate(columns):
        present[:, j] = pd.notna(values)
    kept_columns = [j for j in range(len(columns)) if headers[j] or present[:, j].any()]
    nonblank = np.flatnonzero(present.any(axis=1))
    keep_rows = np.arange(n_rows) <= (nonblank[-1] if nonblank.size else -1)
    row_numbers = np.arange(1, n_rows + 1, dtype=np.int64)[keep_rows]
    kept = {j: columns[j][keep_rows] for j in kept_columns}
    keys = _raw_keys([headers[j] for j in kept_columns])
    raw = _raw_json(keys, [kept[j] for j in kept_columns])

    out: dict[str, object] = {
        "source": np.full(len(row_numbers), source, dtype=object),
        "file": np.full(len(row_numbers), rel, dtype=object),
        "row_number": row_numbers,
    }
    names = frame_columns(source, set(positions))
    for name in names[len(LEADING_COLUMNS):-1]:
        position = positions.get(name)
        out[name] = kept[position] if position is not None else np.full(len(row_numbers), None, dtype=object)
    out[RAW_COLUMN] = np.array(raw, dtype=object)
    return pd.DataFrame(out, columns=names)


def read_file(path: Path, source: str, input_dir: Path) -> pd.DataFrame:
    """Read one roster file into a raw-row frame (docs/DESIGN.md "raw rows")."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {SOURCES}")
    path = Path(path)
    rel = path.relative_to(input_dir).as_posix()
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise RosterInputError(f"{rel}: not a roster file (expected .csv, .xlsx or .parquet)")
    if path.stat().st_size == 0:
        raise RosterInputError(f"{rel}: empty file (no header row)")
    headers, columns = reader(path, rel)
    return _assemble(headers, columns, source, rel)


def read_source(input_dir: Path, source: str) -> pd.DataFrame:
    """All files of one source concatenated; an absent source gives an empty frame.

    ``len()`` of the result is the number of rows read; an input whose files hold no data
    rows at all is for the caller to judge.
    """
    return source_frame(source, [read_file(path, source, input_dir) for path in source_files(input_dir, source)])


def source_frame(source: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The raw-row frames of one source's files (in file order) as one frame, columns aligned."""
    extra = {c for frame in frames for c in frame.columns if c in CANONICAL_COLUMNS}
    names = frame_columns(source, extra)
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
