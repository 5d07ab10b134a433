import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.files.ingest import RosterInputError, discover_files, read_file, read_source
from schemas.contract import SOURCE_COLUMNS

ID15 = 540102850307123          # legacy 15-digit id number stored as a number
ID18 = "54010219850307123X"      # 18-digit id number stored as text


def write_text(path: Path, text: str, encoding: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


STATION_GB = (
    "记录编号,姓名,性别,身份证号,出生日期,入站日期,离站日期,离站方式,备注\n"
    "S1,扎西次仁,男,54010219850307123X,1985年3月7日,2023-01-05,2023-01-20,护送返乡,甲\n"
    "S2, 卓玛 ,女,,,2023/2/1,,,\n"
)


def test_gb18030_csv_with_chinese_headers(tmp_path):
    path = write_text(tmp_path / "station" / "2023-01.csv", STATION_GB, "gb18030")
    frame = read_file(path, "station", tmp_path)
    assert list(frame.columns) == ["source", "file", "row_number", *SOURCE_COLUMNS["station"], "raw"]
    assert frame["file"].tolist() == ["station/2023-01.csv"] * 2
    assert frame["source"].tolist() == ["station", "station"]
    assert frame["row_number"].tolist() == [1, 2]
    assert frame["record_id"].tolist() == ["S1", "S2"]
    assert frame["name"].tolist() == ["扎西次仁", "卓玛"]
    assert frame["id_number"].tolist() == [ID18, None]
    assert frame["birth_date"].tolist() == ["1985年3月7日", None]
    assert frame["exit_type"].tolist() == ["护送返乡", None]
    assert frame["age"].tolist() == [None, None]  # absent column filled with None
    raw = json.loads(frame["raw"][0])
    assert raw["备注"] == "甲" and raw["姓名"] == "扎西次仁"
    assert list(raw)[0] == "记录编号"


def test_utf8_bom_csv_first_header_matches(tmp_path):
    text = "Record_ID , name,event_date,县\nP1,次仁,2023-03-01,城关区\n"
    path = write_text(tmp_path / "police" / "p.csv", text, "utf-8-sig")
    frame = read_file(path, "police", tmp_path)
    assert frame["record_id"].tolist() == ["P1"]
    assert frame["event_date"].tolist() == ["2023-03-01"]
    # a canonical column outside the source's list is kept too
    assert frame["county"].tolist() == ["城关区"]
    assert list(json.loads(frame["raw"][0]))[0] == "Record_ID"


def test_utf8_csv_blank_rows_and_text_kept_as_text(tmp_path):
    text = ("record_id,name,id_number,event_date\nP1,NA,000123,2023-03-01\n,,,\n\n"
            "P2,  ,540102850307123,2023-03-02\n,,,\n\n")
    path = write_text(tmp_path / "police" / "p.csv", text, "utf-8")
    frame = read_file(path, "police", tmp_path)
    # blank rows between data rows are input rows (the quarantine gives them a reason);
    # blank rows after the last data row are where the sheet ends
    assert frame["record_id"].tolist() == ["P1", None, None, "P2"]
    assert frame["row_number"].tolist() == [1, 2, 3, 4]
    assert frame["name"].tolist() == ["NA", None, None, None]
    assert frame["id_number"].tolist() == ["000123", None, None, "540102850307123"]


def test_xlsx_dates_and_id_numbers_digit_for_digit(tmp_path):
    path = write_xlsx(
        tmp_path / "station" / "s.xlsx",
        [
            ["编号", "姓名", "身份证号码", "出生日期", "入站日期", "年龄", "其他"],
            ["S1", "次仁", ID15, dt.datetime(1985, 3, 7), dt.date(2023, 1, 5), 38, 1.5],
            ["S2", "达娃", ID18, 1985, dt.datetime(2023, 2, 1, 14, 30), 40.0, None],
            ["S3", None, float(ID15), None, "2023-02-03", None, None],
        ],
    )
    frame = read_file(path, "station", tmp_path)
    assert frame["id_number"].tolist() == [str(ID15), ID18, str(ID15)]
    assert frame["birth_date"].tolist() == ["1985-03-07", "1985", None]
    assert frame["intake_date"].tolist() == ["2023-01-05", "2023-02-01", "2023-02-03"]
    assert frame["age"].tolist() == ["38", "40", None]
    assert frame["name"].tolist() == ["次仁", "达娃", None]
    assert json.loads(frame["raw"][0])["其他"] == "1.5"
    assert frame["row_number"].tolist() == [1, 2, 3]


def test_parquet_columns_become_text(tmp_path):
    path = tmp_path / "village" / "v.parquet"
    path.parent.mkdir(parents=True)
    table = pa.table({
        "记录编号": pa.array([101, 102, 103], pa.int64()),
        "身份证号": pa.array([float(ID15), None, 5.0e17]),
        "出生日期": pa.array([dt.date(1985, 3, 7), None, dt.date(1990, 1, 2)], pa.date32()),
        "登记日期": pa.array(
            [dt.datetime(2023, 5, 1, 20, 0), dt.datetime(2023, 5, 2), None], pa.timestamp("us", tz="UTC")
        ),
        "户号": pa.array(["H1", " ", None]),
        "性别": pa.array(["男", "女", "男"]).dictionary_encode(),
    })
    pq.write_table(table, path)
    frame = read_file(path, "village", tmp_path)
    assert frame["record_id"].tolist() == ["101", "102", "103"]
    assert frame["id_number"].tolist() == [str(ID15), None, "500000000000000000"]
    assert frame["birth_date"].tolist() == ["1985-03-07", None, "1990-01-02"]
    assert frame["event_date"].tolist() == ["2023-05-01", "2023-05-02", None]
    assert frame["household_id"].tolist() == ["H1", None, None]
    assert frame["sex"].tolist() == ["男", "女", "男"]


def test_read_source_concatenates_files_of_all_formats(tmp_path):
    write_text(tmp_path / "police" / "a.csv", "record_id,event_date\nA1,2023-01-01\nA2,2023-01-02\n", "utf-8")
    write_xlsx(tmp_path / "police" / "b.XLSX", [["编号", "发现日期", "地点"], ["B1", "2023-02-01", "车站"]])
    frame = read_source(tmp_path, "police")
    assert frame["record_id"].tolist() == ["A1", "A2", "B1"]
    assert frame["file"].tolist() == ["police/a.csv", "police/a.csv", "police/b.XLSX"]
    assert frame["place"].tolist() == [None, None, "车站"]
    assert frame["row_number"].tolist() == [1, 2, 1]
    assert frame.index.tolist() == [0, 1, 2]


def test_read_source_absent_source_is_empty_frame(tmp_path):
    frame = read_source(tmp_path, "poverty")
    assert len(frame) == 0
    assert list(frame.columns) == ["source", "file", "row_number", *SOURCE_COLUMNS["poverty"], "raw"]


def test_header_only_file_gives_zero_rows(tmp_path):
    path = write_text(tmp_path / "station" / "h.csv", "记录编号,入站日期\n", "utf-8")
    frame = read_file(path, "station", tmp_path)
    assert len(frame) == 0
    assert "intake_date" in frame.columns


def test_discover_files_sorted_and_filtered(tmp_path):
    for name in ["b.csv", "a.PARQUET", "c.xlsx", ".hidden.csv", "~$c.xlsx", "notes.txt"]:
        write_text(tmp_path / "station" / name, "x", "utf-8")
    write_text(tmp_path / "poverty" / "p.CSV", "x", "utf-8")
    write_text(tmp_path / "other" / "o.csv", "x", "utf-8")
    found = discover_files(tmp_path)
    assert set(found) == {"station", "poverty"}
    assert [p.name for p in found["station"]] == ["a.PARQUET", "b.csv", "c.xlsx"]
    assert [p.name for p in found["poverty"]] == ["p.CSV"]


def test_discover_files_missing_folder(tmp_path):
    with pytest.raises(RosterInputError, match="input folder not found"):
        discover_files(tmp_path / "nope")


def test_discover_files_folder_without_rosters(tmp_path):
    write_text(tmp_path / "station" / "readme.txt", "x", "utf-8")
    with pytest.raises(RosterInputError, match="no roster files under"):
        discover_files(tmp_path)


@pytest.mark.parametrize("name", ["e.csv", "e.xlsx", "e.parquet"])
def test_zero_byte_file(tmp_path, name):
    path = write_text(tmp_path / "station" / name, "", "utf-8")
    with pytest.raises(RosterInputError, match=r"^station/" + name + r": empty file \(no header row\)$"):
        read_file(path, "station", tmp_path)


def test_utf16_is_unknown_encoding(tmp_path):
    path = write_text(tmp_path / "station" / "u.csv", STATION_GB, "utf-16")
    with pytest.raises(RosterInputError, match="station/u.csv: unknown text encoding"):
        read_file(path, "station", tmp_path)


def test_random_bytes_are_unknown_encoding(tmp_path):
    path = tmp_path / "station" / "r.csv"
    path.parent.mkdir()
    path.write_bytes(b"record_id,intake_date\n" + bytes(range(128, 256)) * 3)
    with pytest.raises(RosterInputError, match="unknown text encoding"):
        read_file(path, "station", tmp_path)


def test_missing_required_column_names_file_and_column(tmp_path):
    path = write_text(tmp_path / "station" / "m.csv", "记录编号,姓名\nS1,次仁\n", "utf-8")
    with pytest.raises(RosterInputError) as error:
        read_file(path, "station", tmp_path)
    message = str(error.value)
    assert message.startswith("station/m.csv: missing required column intake_date")
    assert "次仁" not in message


def test_corrupt_xlsx(tmp_path):
    path = write_text(tmp_path / "station" / "c.xlsx", "记录编号,入站日期\nS1,2023-01-01\n", "utf-8")
    with pytest.raises(RosterInputError, match="station/c.xlsx: cannot read XLSX"):
        read_file(path, "station", tmp_path)


def test_corrupt_parquet(tmp_path):
    path = write_text(tmp_path / "station" / "c.parquet", "PAR1 not really", "utf-8")
    with pytest.raises(RosterInputError, match="station/c.parquet: cannot read Parquet"):
        read_file(path, "station", tmp_path)


def test_two_columns_for_one_canonical_are_refused(tmp_path):
    path = write_text(tmp_path / "police" / "d.csv", "编号,姓名,name,发现日期\nP1,次仁,才仁,2023-01-01\n", "utf-8")
    with pytest.raises(RosterInputError, match="police/d.csv: columns 2 and 3 both map to name"):
        read_file(path, "police", tmp_path)


def test_repeated_unknown_headers_kept_in_raw(tmp_path):
    path = write_text(tmp_path / "police" / "d.csv", "编号,备注,备注,,发现日期\nP1,甲,乙,丙,2023-01-01\n", "utf-8")
    frame = read_file(path, "police", tmp_path)
    assert json.loads(frame["raw"][0]) == {
        "编号": "P1", "备注": "甲", "备注.1": "乙", "column_4": "丙", "发现日期": "2023-01-01",
    }


def test_csv_row_with_too_many_fields_is_malformed_and_the_rest_is_read(tmp_path):
    text = "编号,发现日期\nP1,2023-01-01\nP2,2023-01-02,次仁\nP3,2023-01-03\n"
    path = write_text(tmp_path / "police" / "r.csv", text, "gb18030")
    frame = read_file(path, "police", tmp_path)
    assert frame["row_number"].tolist() == [1, 2, 3]
    assert frame["record_id"].tolist() == ["P1", None, "P3"]
    assert frame["read_fault"].tolist() == [None, "malformed_row", None]
    assert json.loads(frame["raw"][1]) == {"编号": "P2", "发现日期": "2023-01-02", "column_3": "次仁"}


def test_malformed_last_row_is_kept(tmp_path):
    path = write_text(tmp_path / "police" / "r.csv", "编号,发现日期\nP1,2023-01-01\nP2,2023-01-02,x,y\n", "utf-8")
    frame = read_file(path, "police", tmp_path)
    assert frame["read_fault"].tolist() == [None, "malformed_row"]


def test_raw_is_the_json_of_the_row_as_read(tmp_path):
    text = 'record_id,name,event_date,note\nP1,"a ""quoted"", b\\c",2023-01-01,"two\nlines"\n'
    path = write_text(tmp_path / "police" / "j.csv", text, "utf-8")
    frame = read_file(path, "police", tmp_path)
    row = {"record_id": "P1", "name": 'a "quoted", b\\c', "event_date": "2023-01-01", "note": "two\nlines"}
    assert frame["raw"][0] == json.dumps(row, ensure_ascii=False)
    assert frame["name"][0] == row["name"]


def test_control_characters_mean_not_text(tmp_path):
    path = tmp_path / "station" / "b.csv"
    path.parent.mkdir()
    path.write_bytes(b"record_id,intake_date\n\x01\x02\x03\x04,\x05\x06\n")
    with pytest.raises(RosterInputError, match="unknown text encoding"):
        read_file(path, "station", tmp_path)


def test_header_only_xlsx_and_parquet_give_zero_rows(tmp_path):
    xlsx = write_xlsx(tmp_path / "police" / "h.xlsx", [["编号", "发现日期"]])
    parquet = tmp_path / "police" / "h.parquet"
    pq.write_table(pa.table({"编号": pa.array([], pa.string()), "发现日期": pa.array([], pa.date32())}), parquet)
    for path in (xlsx, parquet):
        frame = read_file(path, "police", tmp_path)
        assert len(frame) == 0 and "event_date" in frame.columns


def test_xlsx_without_any_cell_is_empty(tmp_path):
    path = write_xlsx(tmp_path / "police" / "blank.xlsx", [])
    with pytest.raises(RosterInputError, match=r"police/blank.xlsx: empty file \(no header row\)"):
        read_file(path, "police", tmp_path)


def test_xlsx_18_digit_number_rounded_by_excel_shows_excel_digits(tmp_path):
    # Excel keeps 15 significant digits: an 18-digit id typed as a number is stored as 5.40102198503071E+17
    path = write_xlsx(tmp_path / "police" / "n.xlsx", [["编号", "发现日期", "身份证号"], ["P1", "2023-01-01", 5.40102198503071e17]])
    assert read_file(path, "police", tmp_path)["id_number"].tolist() == ["540102198503071000"]


def test_open_quote_makes_its_line_malformed_and_reading_goes_on(tmp_path):
    text = '编号,发现日期,备注\nP0,2023-01-01,"two\nlines"\nP1,"2023-01-01,a\nP2,2023-01-02,b\nP3,2023-01-03,c\n'
    path = write_text(tmp_path / "police" / "q.csv", text, "utf-8")
    frame = read_file(path, "police", tmp_path)
    assert frame["record_id"].tolist() == ["P0", None, "P2", "P3"]
    assert frame["read_fault"].tolist() == [None, "malformed_row", None, None]
    assert json.loads(frame["raw"][0])["备注"] == "two\nlines"
    assert json.loads(frame["raw"][1])["编号"] == "P1"


def test_file_without_malformed_rows_has_no_read_fault_column(tmp_path):
    path = write_text(tmp_path / "police" / "ok.csv", "编号,发现日期\nP1,2023-01-01\n", "utf-8")
    assert "read_fault" not in read_file(path, "police", tmp_path).columns


def test_xlsx_integer_beyond_float_precision_keeps_every_digit(tmp_path):
    # a tool other than Excel may store all 18 digits (<v>542328197704139257</v>); read as a
    # float they would end ...300; openpyxl writes a float there, so the cell is edited in the XML
    written = write_xlsx(tmp_path / "w.xlsx", [["编号", "发现日期", "身份证号"], ["P1", "2023-01-01", 7]])
    path = tmp_path / "police" / "i.xlsx"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>7</v>", b"<v>542328197704139257</v>")
            target.writestr(item, data)
    assert read_file(path, "police", tmp_path)["id_number"].tolist() == ["542328197704139257"]


def test_xlsx_grid_starts_at_a1(tmp_path):
    # a blank first row is the header row (no header); the sheet is not shifted to its first value
    path = tmp_path / "police" / "shifted.xlsx"
    path.parent.mkdir(parents=True)
    workbook = openpyxl.Workbook()
    workbook.active["B2"], workbook.active["C2"], workbook.active["B3"] = "编号", "发现日期", "P1"
    workbook.save(path)
    with pytest.raises(RosterInputError, match=r"police/shifted.xlsx: empty file \(no header row\)"):
        read_file(path, "police", tmp_path)


def test_xlsx_error_cell_holds_no_value(tmp_path):
    path = write_xlsx(tmp_path / "police" / "e.xlsx", [["编号", "发现日期", "身份证号"], ["P1", "2023-01-01", "#N/A"]])
    frame = read_file(path, "police", tmp_path)
    assert frame["id_number"].tolist() == [None] and frame["record_id"].tolist() == ["P1"]
