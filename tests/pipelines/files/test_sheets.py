"""Spreadsheets beyond .xlsx are read through calamine; a workbook that unpacks past the limits is refused."""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipelines.files import sheets
from pipelines.files.ingest import RosterInputError, read_file

ROWS = [["记录编号", "入站日期", "姓名"], ["S1", "2023-01-01", "扎西次仁"], ["S2", "2023-02-01", "王芳"]]


def write_xlsx(path: Path, rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def test_xls_written_by_xlwt_is_read(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    path = tmp_path / "station" / "old.xls"
    path.parent.mkdir()
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("roster")
    for i, row in enumerate(ROWS):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    sheet.write(3, 0, "S3")
    sheet.write(3, 1, 44927.0)  # a number in the date column stays its digits
    workbook.save(str(path))
    frame = read_file(path, "station", tmp_path)
    assert frame["record_id"].tolist() == ["S1", "S2", "S3"]
    assert frame["name"].tolist() == ["扎西次仁", "王芳", None]
    assert frame["intake_date"].tolist() == ["2023-01-01", "2023-02-01", "44927"]
    assert frame["file"].tolist() == ["station/old.xls"] * 3


def test_xlsm_is_read(tmp_path):
    path = write_xlsx(tmp_path / "station" / "macro.xlsm", ROWS)
    assert read_file(path, "station", tmp_path)["record_id"].tolist() == ["S1", "S2"]


def zip_bomb(path: Path, sheet_bytes: int) -> Path:
    """A real XLSX whose sheet XML is `sheet_bytes` of rows that compress a thousandfold."""
    write_xlsx(path, ROWS[:1])
    with zipfile.ZipFile(path) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    row = b'<row><c t="inlineStr"><is><t>S</t></is></c></row>'
    head, tail = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>', \
        b"</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                bomb.writestr(name, data)
        with bomb.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(head)
            chunk = row * (1 << 14)
            for _ in range(sheet_bytes // len(chunk)):
                sheet.write(chunk)
            sheet.write(tail)
    return path


def test_zip_bomb_is_refused_before_calamine_opens_it(tmp_path):
    path = zip_bomb(tmp_path / "station" / "bomb.xlsx", 64 << 20)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(RosterInputError, match=r"^station/bomb.xlsx: refused, a part of the workbook unpacks \d+ "
                                               r"times its size \(limit 100: a zip bomb\?\)$"):
        read_file(path, "station", tmp_path)


def test_workbook_unpacking_past_the_size_limit_is_refused(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "station" / "big.xlsx", ROWS)
    monkeypatch.setattr(sheets, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(RosterInputError, match=r"^station/big.xlsx: refused, the workbook unpacks to 0 MB"):
        read_file(path, "station", tmp_path)


def test_not_a_zip_is_one_clear_error(tmp_path):
    path = tmp_path / "station" / "fake.ods"
    path.parent.mkdir()
    path.write_bytes(b"not a spreadsheet" * 10)
    with pytest.raises(RosterInputError, match=r"^station/fake.ods: cannot read ODS \(BadZipFile\)$"):
        read_file(path, "station", tmp_path)
