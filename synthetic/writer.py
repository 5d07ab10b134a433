"""Write rosters as a contract input folder (several files per source, mixed formats, encodings and
headers) and the truth beside it, never inside it."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from schemas.contract import ALIASES
from synthetic.generator import SyntheticRosters
from synthetic.params import WriterParams
from synthetic.rng import choose, stream

_DATE_COLUMNS = frozenset({"birth_date", "intake_date", "exit_date", "event_date"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXCEL_DATE_FORMATS = ("yyyy-mm-dd", "yyyy/m/d", "yyyy\"年\"m\"月\"d\"日\"")
_FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
_FIXED_CORE_TIME = b"2024-01-01T00:00:00Z"
_SUFFIX = {"csv_utf8": ".csv", "csv_utf8_bom": ".csv", "csv_gb18030": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}
_ENCODING = {"csv_utf8": "utf-8", "csv_utf8_bom": "utf-8-sig", "csv_gb18030": "gb18030"}


def _headers(columns: list[str], style: str, params: WriterParams, rng: np.random.Generator) -> list[str]:
    """Canonical names or Chinese aliases, sometimes with changed case or padding."""
    headers = []
    for column in columns:
        aliases = ALIASES[column]
        use_alias = style == "alias" or (style == "mixed" and rng.random() < 0.5)
        header = aliases[int(rng.integers(0, len(aliases)))] if use_alias else column
        if rng.random() < params.header_case_noise:
            variant = int(rng.integers(0, 4))
            header = (header.upper(), header.title(), f" {header}", f"{header} ")[variant]
        headers.append(header)
    return headers


def _file_table(frame: pd.DataFrame, params: WriterParams, rng: np.random.Generator) -> pd.DataFrame:
    """The rows of one file with the headers (and any unknown extra column) that this office uses."""
    style = choose(rng, params.header_styles, 1)[0]
    table = frame.copy()
    table.columns = _headers(list(frame.columns), style, params, rng)
    if rng.random() < params.extra_column_share:
        if rng.random() < 0.5:
            table.insert(0, "序号", [str(i + 1) for i in range(len(table))])
        else:
            table["备注"] = np.where(rng.random(len(table)) < 0.05, "复核", None).astype(object)
    return table


def _write_csv(table: pd.DataFrame, path: Path, encoding: str) -> None:
    line_end = "\r\n" if encoding == "gb18030" else "\n"
    table.to_csv(path, index=False, encoding=encoding, lineterminator=line_end)


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    arrays = [pa.array(table[c].tolist(), type=pa.string()) for c in table.columns]
    pq.write_table(pa.Table.from_arrays(arrays, names=[str(c) for c in table.columns]), path)


def _xlsx_cell(sheet, canonical: str | None, value: str | None, rng_value: float, params: WriterParams,
               format_pick: int):
    """A cell as an office would type it: ISO dates as date cells, short numbers as numbers, long ids as text."""
    if value is None:
        return None
    if canonical in _DATE_COLUMNS and _ISO_DATE.match(value) and rng_value < params.xlsx_date_cell_share:
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            return value
        cell = WriteOnlyCell(sheet, value=date)
        cell.number_format = _EXCEL_DATE_FORMATS[format_pick % len(_EXCEL_DATE_FORMATS)]
        return cell
    if canonical == "id_number" and value.isascii() and value.isdigit() and len(value) <= 15:
        return int(value)   # legacy 15-digit ids typed as numbers; 18-digit ones must stay text
    if canonical in ("age", "birth_date") and value.isascii() and value.isdigit() and len(value) <= 5:
        return int(value)   # ages, a year alone, Excel serial numbers
    return value


def _write_xlsx(table: pd.DataFrame, canonical: list[str | None], path: Path, params: WriterParams,
                rng: np.random.Generator) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    sheet.append([str(c) for c in table.columns])
    draws = rng.random(table.shape)
    picks = rng.integers(0, 1 << 30, table.shape[0])
    for r, row in enumerate(table.itertuples(index=False, name=None)):
        sheet.append([_xlsx_cell(sheet, canonical[c], v, draws[r, c], params, int(picks[r])) for c, v in enumerate(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(_reproducible_zip(buffer.getvalue()))


def _reproducible_zip(data: bytes) -> bytes:
    """The same workbook bytes on every run: fixed entry times and document timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + _FIXED_CORE_TIME + rb"\2",
                                 content)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def write_contract_folder(data: SyntheticRosters, out_dir: Path, seed: int, params: WriterParams | None = None) -> None:
    """Write out_dir/<source>/<file_stem>.<csv|xlsx|parquet>, one file per file_stem of the truth."""
    params = params or WriterParams()
    out_dir = Path(out_dir)
    for source, frame in data.rosters.items():
        truth = data.truth[data.truth["source"] == source]
        if truth.empty:
            continue
        folder = out_dir / source
        folder.mkdir(parents=True, exist_ok=True)
        stems = truth["file_stem"].to_numpy()
        xlsx_rows_left = params.xlsx_row_budget
        for stem in pd.unique(stems):
            rows = frame[stems == stem].reset_index(drop=True)
            rng = stream(seed, f"writer-{source}-{stem}")
            kind = choose(rng, params.format_mix, 1)[0]
            if kind == "xlsx" and len(rows) > xlsx_rows_left:
                kind = "csv_utf8"
            table = _file_table(rows, params, rng)
            path = folder / f"{stem}{_SUFFIX[kind]}"
            if kind == "xlsx":
                xlsx_rows_left -= len(rows)
                _write_xlsx(table, _canonical_of(list(rows.columns), table), path, params, rng)
            elif kind == "parquet":
                _write_parquet(table, path)
            else:
                _write_csv(table, path, _ENCODING[kind])


def _canonical_of(canonical_columns: list[str], table: pd.DataFrame) -> list[str | None]:
    """Canonical column of each written column (None for an extra one), following insertion."""
    offset = 1 if table.columns[0] == "序号" else 0
    return [None] * offset + canonical_columns + [None] * (len(table.columns) - offset - len(canonical_columns))


def write_truth(data: SyntheticRosters, path: Path) -> None:
    """truth.csv at path and the true returns beside it (<stem>_returns.csv), UTF-8."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data.truth.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    data.returns.to_csv(path.with_name(f"{path.stem}_returns.csv"), index=False, encoding="utf-8",
                        lineterminator="\n", date_format="%Y-%m-%d")
