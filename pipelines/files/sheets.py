"""Spreadsheet rosters (.xlsx, .xlsm, .xlsb, .ods, .xls): the first worksheet, through calamine.

- A zip-based workbook (all but .xls) is measured before calamine opens it: the sizes its zip
  declares may not add up to more than ``MAX_UNPACKED_BYTES``, and no member larger than
  ``RATIO_GRACE_BYTES`` may unpack to more than ``MAX_ZIP_RATIO`` times its packed size (a zip
  bomb: 1.5 MB of zip holding 460 MB of sheet XML). calamine holds a whole sheet in memory, so
  these bound what a file can make it hold.
- Cells keep the meaning openpyxl gives them: dates as dates, numbers as numbers, the grid from
  cell A1 (leading blank rows and columns kept); an error cell (#N/A, #DIV/0!) holds no value.
- calamine reads every number as a float: an .xlsx/.xlsm sheet holding a number at or beyond
  ``FLOAT_EXACT_LIMIT`` is read again with openpyxl, which keeps the digits of an integer cell
  (written by a tool other than Excel) exactly. The other formats store numbers as floats.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from pipelines.files.cells import Table, cell_text
from pipelines.files.discovery import RosterInputError

MAX_UNPACKED_BYTES = 1 << 30
"""Declared unpacked size of a zip-based workbook beyond which it is refused."""
MAX_ZIP_RATIO = 100
"""Unpacked/packed size of one zip member beyond which the workbook is refused (Apache POI's limit)."""
RATIO_GRACE_BYTES = 1 << 20
"""Members unpacking to less than this are not held to MAX_ZIP_RATIO (small XML parts compress well)."""
FLOAT_EXACT_LIMIT = 2.0 ** 53
"""Integers from here on are not all representable as floats."""

ZIP_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".ods")
OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")


def _kind(path: Path) -> str:
    return path.suffix.lower().lstrip(".").upper()


def check_unpacked_size(path: Path, rel: str) -> None:
    """Refuse a workbook whose zip declares too much unpacked data, or a member packed past MAX_ZIP_RATIO."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise RosterInputError(f"{rel}: cannot read {_kind(path)} ({type(error).__name__})") from None
    total = sum(member.file_size for member in members)
    if total > MAX_UNPACKED_BYTES:
        raise RosterInputError(f"{rel}: refused, the workbook unpacks to {total >> 20} MB "
                               f"(limit {MAX_UNPACKED_BYTES >> 20} MB)")
    for member in members:
        if member.file_size > RATIO_GRACE_BYTES and member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1):
            raise RosterInputError(
                f"{rel}: refused, a part of the workbook unpacks {member.file_size // max(member.compress_size, 1)} "
                f"times its size (limit {MAX_ZIP_RATIO}: a zip bomb?)")


def _sheet_table(header: Sequence[object] | None, body: list[list[str | None]], rel: str) -> Table:
    """Headers and columns of a sheet's rows (cells already as text), ragged rows padded."""
    if header is None:
        raise RosterInputError(f"{rel}: empty file (no header row)")
    width = max([len(header), *(len(row) for row in body)])
    headers = [cell_text(v) for v in header] + [None] * (width - len(header))
    matrix = np.full((len(body), width), None, dtype=object)
    for i, row in enumerate(body):
        matrix[i, : len(row)] = row
    return Table(headers, [matrix[:, j] for j in range(width)])


def _read_openpyxl(path: Path, rel: str) -> Table:
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
        raise RosterInputError(f"{rel}: cannot read {_kind(path)} ({type(error).__name__})") from None
    return _sheet_table(header, body, rel)


def _beyond_float_precision(rows: list[list[object]]) -> bool:
    return any(type(v) is float and abs(v) >= FLOAT_EXACT_LIMIT for row in rows for v in row)


def read_sheet(path: Path, rel: str) -> Table:
    """The first worksheet of a workbook (calamine: an order of magnitude faster than openpyxl)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    if path.suffix.lower() in ZIP_SUFFIXES:
        check_unpacked_size(path, rel)
    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            kinds = [sheet.typ for sheet in workbook.sheets_metadata]
            if SheetTypeEnum.WorkSheet not in kinds:
                raise RosterInputError(f"{rel}: cannot read {_kind(path)} (no worksheet)")
            sheet = workbook.get_sheet_by_index(kinds.index(SheetTypeEnum.WorkSheet))
            rows = sheet.to_python(skip_empty_area=False)
    except RosterInputError:
        raise
    except Exception as error:  # any failure of the parser on untrusted bytes
        raise RosterInputError(f"{rel}: cannot read {_kind(path)} ({type(error).__name__})") from None
    if path.suffix.lower() in OPENPYXL_SUFFIXES and _beyond_float_precision(rows):
        return _read_openpyxl(path, rel)
    body = [[cell_text(v) for v in row] for row in rows[1:]]
    return _sheet_table(rows[0] if rows else None, body, rel)
