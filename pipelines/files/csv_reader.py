"""CSV rosters: the encoding detected, a row the format cannot parse set aside as malformed.

- Encoding: a UTF-8 BOM means UTF-8; otherwise strict UTF-8, then strict GB18030. Decoded text
  holding control characters or private-use code points is rejected (random bytes and other
  encodings that slip through GB18030 look like that); NUL bytes or a UTF-16 BOM mean an
  encoding the contract does not accept.
- A file pandas parses whole is read in one pass (the fast path). Otherwise each record is
  located with the csv module: a record with more fields than the header, or a quote still open
  at the end of the file (the record is then its first line alone, and reading goes on at the
  next line), is malformed; the other records are parsed by pandas exactly as in a whole file.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.files.cells import Table, cell_text, stripped_text
from pipelines.files.discovery import RosterInputError

MAX_CSV_BYTES = 2 << 30
"""A CSV file larger than this is refused before it is read (it is held in memory whole)."""

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# C0 controls except tab/newline/carriage return, DEL, and the private use area
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff]")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def decode_csv(data: bytes, rel: str) -> str:
    """The text of a CSV file's bytes (UTF-8 with or without BOM, or GB18030)."""
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


def _pandas_rows(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                       skip_blank_lines=False, index_col=False)


def _records(lines: list[str]) -> tuple[list[tuple[int, int, list[str]]], int | None]:
    """(first line, end line, fields) of each record of `lines`; and the line where a quote opened
    that never closes (None when every quote closes)."""
    found: list[tuple[int, int, list[str]]] = []
    reader = csv.reader(iter(lines), strict=False)
    first = 0
    for fields in reader:
        end = reader.line_num
        if end == len(lines) and end - first > 1 and "".join(lines[first:end]).count('"') % 2:
            return found, first
        found.append((first, end, fields))
        first = end
    return found, None


def _locate(lines: list[str]) -> tuple[list[tuple[int, int, list[str]]], set[int]]:
    """Every record of `lines` (first line, end line, fields), and the indices of the malformed ones."""
    records: list[tuple[int, int, list[str]]] = []
    unclosed: set[int] = set()
    start = 0
    while start < len(lines):
        found, open_at = _records(lines[start:])
        records += [(start + a, start + b, fields) for a, b, fields in found]
        if open_at is None:
            break
        line = start + open_at
        unclosed.add(len(records))
        records.append((line, line + 1, next(csv.reader([lines[line]], strict=False), [])))
        start = line + 1
    width = len(records[0][2]) if records else 0
    malformed = unclosed | {i for i, (_, _, fields) in enumerate(records) if len(fields) > width}
    return records, malformed


def _tolerant_rows(text: str, rel: str) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """The parsed rows of the well-formed records (header first), and the malformed data rows."""
    lines = _LINES.findall(text)
    records, malformed = _locate(lines)
    if 0 in malformed:
        raise RosterInputError(f"{rel}: malformed CSV at line 1 (the header row cannot be parsed)")
    good = "".join("".join(lines[a:b]) for i, (a, b, _) in enumerate(records) if i not in malformed)
    try:
        frame = _pandas_rows(good)
    except pd.errors.ParserError:
        raise RosterInputError(f"{rel}: malformed CSV (rows the reader cannot tell apart)") from None
    return frame, {i - 1: [f.strip() for f in records[i][2]] for i in sorted(malformed)}


def read_csv(path: Path, rel: str) -> Table:
    """Header and columns of a CSV roster; rows it cannot parse in ``Table.malformed``."""
    if path.stat().st_size > MAX_CSV_BYTES:
        raise RosterInputError(f"{rel}: file larger than {MAX_CSV_BYTES >> 20} MB; split it")
    text = decode_csv(path.read_bytes(), rel)
    malformed: dict[int, list[str]] = {}
    try:
        frame = _pandas_rows(text)
    except pd.errors.EmptyDataError:
        raise RosterInputError(f"{rel}: empty file (no header row)") from None
    except pd.errors.ParserError:
        frame, malformed = _tolerant_rows(text, rel)
    headers = [cell_text(v) if isinstance(v, str) else None for v in frame.iloc[0]]
    columns = [stripped_text(frame[c].to_numpy(dtype=object)[1:]) for c in frame.columns]
    if malformed:
        columns = _with_rows_at(columns, sorted(malformed))
    return Table(headers, columns, malformed)


def _with_rows_at(columns: list[np.ndarray], positions: list[int]) -> list[np.ndarray]:
    """`columns` with an empty (None) cell inserted so that rows land at `positions` of the result."""
    n = len(columns[0]) + len(positions) if columns else len(positions)
    keep = np.ones(n, dtype=bool)
    keep[positions] = False
    widened = []
    for values in columns:
        full = np.full(n, None, dtype=object)
        full[keep] = values
        widened.append(full)
    return widened
