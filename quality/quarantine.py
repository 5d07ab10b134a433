"""Split raw rows into usable records and the quarantine, with one reason per rejected row.

Rules, applied in this order; a row gets the reason of the first rule it breaks:

0. ``malformed_row``: the file format could not parse the row (``read_fault`` of the raw rows,
   e.g. a CSV row with more fields than the header); its cells are not read, so its record
   id takes no part in the duplicate rule.
1. ``blank_row``: every cell of the row is blank (a blank line between data rows).
2. ``missing_record_id``: the record id is blank (compared after stripping white space).
3. ``duplicate_record_id``: the record id was already seen in the same source, reading the
   rows in frame order (files sorted, rows in file order). The first occurrence is the one
   kept, whatever else is wrong with it; every later one is quarantined.
4. ``oversized_value:<column>``: a canonical cell longer than its limit (``MAX_NAME_CHARS`` for
   a name, ``MAX_CELL_CHARS`` for any other): no roster value is that long, and the comparisons
   downstream cost time in the length of a value.
5. ``missing_required_date:<column>``: a required date of the source (the contract's
   required columns minus record_id: station intake_date, police event_date) is blank.
6. ``unreadable_required_date:<column>``: the date is present but ``linkage.roster.dates`` cannot
   read it to the day. A month or a year alone is refused as well: these dates order a
   person's events (an exit followed by a return) day by day, and 1 January of a year would
   invent an order the roster does not give.

A row with neither name nor id number is not quarantined: it is an unidentified person.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from linkage.roster.dates import parse_dates
from schemas.contract import REQUIRED_COLUMNS
from schemas.outputs import QUARANTINE

MALFORMED_ROW = "malformed_row"
BLANK_ROW = "blank_row"
MISSING_RECORD_ID = "missing_record_id"
DUPLICATE_RECORD_ID = "duplicate_record_id"
MISSING_REQUIRED_DATE = "missing_required_date"
UNREADABLE_REQUIRED_DATE = "unreadable_required_date"
OVERSIZED_VALUE = "oversized_value"

MAX_NAME_CHARS = 100
"""Longest name kept (written Tibetan names run to a dozen characters, transliterations to a few dozen)."""
MAX_CELL_CHARS = 1000
"""Longest value of any other canonical column kept (a free-text address is a few dozen characters)."""
READ_FAULT = "read_fault"
"""The raw-row column where the reader marks a row it could not parse (MALFORMED_ROW)."""
_NOT_CELLS = ("source", "file", "row_number", READ_FAULT, "raw")

QUARANTINE_COLUMNS: list[str] = QUARANTINE.names


def required_date_columns(source: str) -> tuple[str, ...]:
    """The required columns of a source that hold dates (all required columns but record_id)."""
    return tuple(c for c in REQUIRED_COLUMNS[source] if c != "record_id")


def _stripped(values: pd.Series) -> pd.Series:
    stripped = [(v.strip() or None) if isinstance(v, str) else None for v in values.to_numpy(dtype=object).tolist()]
    return pd.Series(stripped, index=values.index, dtype=object)


def _blank_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell, canonical or not, is blank."""
    canonical = [c for c in raw.columns if c not in _NOT_CELLS]
    candidates = raw[canonical].isna().all(axis=1).to_numpy()
    blank = np.zeros(len(raw), dtype=bool)
    for position in np.flatnonzero(candidates):
        values = json.loads(raw["raw"].iat[position]).values()
        blank[position] = all(v is None or str(v).strip() == "" for v in values)
    return blank


def _malformed_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows the reader could not parse (``read_fault`` set; the column is absent when none is)."""
    if READ_FAULT not in raw.columns:
        return np.zeros(len(raw), dtype=bool)
    return raw[READ_FAULT].notna().to_numpy()


def _longer_than(values: pd.Series, limit: int) -> np.ndarray:
    """Cells holding text of more than `limit` characters."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lengths = pc.utf8_length(pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True))
    return pc.fill_null(pc.greater(lengths, limit), False).to_numpy(zero_copy_only=False)


def quarantine_reasons(raw: pd.DataFrame) -> pd.Series:
    """The quarantine reason of each raw row (object: str, or None for an accepted row)."""
    return _reasons(raw, _stripped(raw["record_id"]))


def _reasons(raw: pd.DataFrame, record_ids: pd.Series) -> pd.Series:
    """`quarantine_reasons` given the stripped record ids of `raw`."""
    reasons = np.full(len(raw), None, dtype=object)
    malformed = _malformed_rows(raw)
    reasons[malformed] = MALFORMED_ROW
    reasons[_blank_rows(raw) & pd.isna(reasons)] = BLANK_ROW
    missing_id = record_ids.isna().to_numpy()
    reasons[missing_id & pd.isna(reasons)] = MISSING_RECORD_ID
    ids = pd.DataFrame({"source": raw["source"].to_numpy(), "id": record_ids.to_numpy()})
    duplicate = np.zeros(len(raw), dtype=bool)
    duplicate[~malformed] = ids[~malformed].duplicated().to_numpy()
    duplicate &= ~missing_id
    reasons[duplicate & pd.isna(reasons)] = DUPLICATE_RECORD_ID
    for column in (c for c in raw.columns if c not in _NOT_CELLS):
        limit = MAX_NAME_CHARS if column == "name" else MAX_CELL_CHARS
        reasons[_longer_than(raw[column], limit) & pd.isna(reasons)] = f"{OVERSIZED_VALUE}:{column}"

    for source in pd.unique(raw["source"]):
        in_source = (raw["source"] == source).to_numpy()
        for column in required_date_columns(source):
            values = raw[column] if column in raw.columns else pd.Series(None, index=raw.index, dtype=object)
            text = _stripped(values[in_source])
            _, precision = parse_dates(text)
            missing = np.zeros(len(raw), dtype=bool)
            missing[in_source] = text.isna().to_numpy()
            unreadable = np.zeros(len(raw), dtype=bool)
            unreadable[in_source] = (precision != "day").to_numpy() & text.notna().to_numpy()
            reasons[missing & pd.isna(reasons)] = f"{MISSING_REQUIRED_DATE}:{column}"
            reasons[unreadable & pd.isna(reasons)] = f"{UNREADABLE_REQUIRED_DATE}:{column}"
    return pd.Series(reasons, index=raw.index, dtype=object)


def split_quarantine(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(records: accepted rows without ``raw``, quarantine: the columns of schemas.outputs.QUARANTINE)."""
    record_ids = _stripped(raw["record_id"])
    reasons = _reasons(raw, record_ids)
    rejected = reasons.notna().to_numpy()

    columns = [position for position, name in enumerate(raw.columns) if name not in ("raw", READ_FAULT)]
    records = raw.iloc[np.flatnonzero(~rejected), columns]
    records["record_id"] = record_ids[~rejected].to_numpy()
    records.index = pd.RangeIndex(len(records))

    quarantined = raw.loc[rejected]
    quarantine = pd.DataFrame({
        "source": quarantined["source"].to_numpy(dtype=object),
        "file": quarantined["file"].to_numpy(dtype=object),
        "row_number": quarantined["row_number"].to_numpy(dtype=np.int64),
        "record_id": record_ids[rejected].to_numpy(dtype=object),
        "reason": reasons[rejected].to_numpy(dtype=object),
        "raw": quarantined["raw"].to_numpy(dtype=object),
    }, columns=QUARANTINE_COLUMNS)
    return records, quarantine
