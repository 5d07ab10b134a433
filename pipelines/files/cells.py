"""Cell values as the text a person reads, and the table every reader returns."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np


@dataclass
class Table:
    """A file's header cells, its columns (object arrays of str/None, one value per data row), and
    the rows the format could not parse: data-row position -> the fields as read (``malformed``)."""

    headers: list[str | None]
    columns: list[np.ndarray]
    malformed: dict[int, list[str]] = field(default_factory=dict)


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


def stripped_text(values: np.ndarray) -> np.ndarray:
    """Object array of str/NaN/None -> stripped str, blank and missing as None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    stripped = pc.utf8_trim_whitespace(pa.array(values, type=pa.string(), from_pandas=True))
    blank_as_null = pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)
    return blank_as_null.to_numpy(zero_copy_only=False)
