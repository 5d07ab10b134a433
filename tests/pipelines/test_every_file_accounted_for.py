"""`rosterlink run` on a messy input folder: every file read or listed, every row linked or quarantined.

Sub-folders, .xls, a source folder in capitals, a GBK file name, a malformed CSV row, a very long
Tibetan name, symlinks out of the input; then an unreadable file, fatal by default and skipped
with --skip-unreadable-files.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines.cli import main
from synthetic.generator import generate
from synthetic.params import GeneratorParams
from synthetic.writer import write_contract_folder

STATION_HEADER = "记录编号,姓名,入站日期,离站日期,离站方式\n"
GBK_NAME = "二月".encode("gbk") + b".csv"
SAFE_GBK_NAME = "station/\\xb6\\xfe\\xd4\\xc2.csv"
LONG_NAME = "扎西次仁" * 100_000  # 400,000 characters of Tibetan components
SECRET = "outside-secret-id"


def _csv(path: Path, rows: list[str], encoding: str = "gb18030") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((STATION_HEADER + "".join(rows)).encode(encoding))


def _xls(path: Path) -> None:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("roster")
    for i, row in enumerate([["记录编号", "姓名", "入站日期"], ["XLS-1", "次仁", "2023-03-01"],
                             ["XLS-2", "王芳", "2023-03-02"]]):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    workbook.save(str(path))


@pytest.fixture(scope="module")
def messy_input(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("messy")
    folder = root / "input"
    write_contract_folder(generate(300, 7, GeneratorParams()), folder, 7)
    (folder / "village").rename(folder / "Village")
    _csv(folder / "station" / "2023" / "more.csv", ["SUB-1,拉巴,2023-01-05,,\n", "SUB-2,次旦,2023-01-06,,\n"])
    _xls(folder / "station" / "old.xls")
    gbk = Path(os.fsdecode(os.path.join(os.fsencode(folder / "station"), GBK_NAME)))
    gbk.write_bytes((STATION_HEADER + "GBK-1,达瓦,2023-02-01,,\n").encode("gb18030"))
    _csv(folder / "station" / "2024" / "bad.csv", ["BAD-1,边巴,2024-01-01,,\n",
                                                    "BAD-2,普布,2024-01-02,,,,too,many\n",
                                                    "BAD-3,罗布,2024-01-03,,\n"])
    _csv(folder / "station" / "2024" / "long.csv", [f"LONG-1,{LONG_NAME},2024-02-01,,\n"], "utf-8")
    _csv(folder / "station" / "data.csv.txt", ["TXT-1,a,2023-01-01,,\n"])
    _csv(folder / "station" / "notes.txt", ["TXT-2,a,2023-01-01,,\n"])
    _csv(folder / "station" / ".hidden.csv", ["HID-1,a,2023-01-01,,\n"])
    _csv(folder / "unknown" / "u.csv", ["UNK-1,a,2023-01-01,,\n"])
    _csv(root / "outside" / "o.csv", [f"{SECRET},a,2023-01-01,,\n"])
    (folder / "station" / "passwd.csv").symlink_to("/etc/passwd")
    (folder / "station" / "o.csv").symlink_to(root / "outside" / "o.csv")
    (folder / "police" / "linked").symlink_to(root / "outside", target_is_directory=True)
    return folder


@pytest.fixture(scope="module")
def messy_run(messy_input, tmp_path_factory):
    output = tmp_path_factory.mktemp("messy_out") / "out"
    capture = pytest.MonkeyPatch()
    import io
    import sys

    err = io.StringIO()
    capture.setattr(sys, "stderr", err)
    try:
        code = main(["run", "--input", str(messy_input), "--output", str(output)])
    finally:
        capture.undo()
    return code, err.getvalue(), output


EXPECTED_SKIPPED = {
    "station/data.csv.txt": "unsupported_format", "station/notes.txt": "unsupported_format",
    "station/.hidden.csv": "hidden", "unknown": "unknown_folder", "station/passwd.csv": "symlink_outside_input",
    "station/o.csv": "symlink_outside_input", "police/linked": "symlink_outside_input",
}


def test_run_succeeds_and_lists_every_file_not_read(messy_run):
    code, err, output = messy_run
    assert code == 0, err
    summary = json.loads((output / "run_summary.json").read_text(encoding="utf-8"))
    assert {entry["path"]: entry["reason"] for entry in summary["skipped_files"]} == EXPECTED_SKIPPED
    for path, reason in EXPECTED_SKIPPED.items():
        assert f"  {path}: {reason}" in err.splitlines()
    assert "Traceback" not in err


def test_sub_folders_xls_capital_folder_and_gbk_name_are_read(messy_run):
    _, _, output = messy_run
    links = pq.read_table(output / "record_links.parquet").to_pandas()
    files = set(links["file"])
    assert {"station/2023/more.csv", "station/old.xls", SAFE_GBK_NAME} <= files
    assert any(f.startswith("Village/") for f in files)
    assert {"SUB-1", "SUB-2", "XLS-1", "XLS-2", "GBK-1", "BAD-1", "BAD-3"} <= set(links["record_id"])
    assert SECRET not in set(links["record_id"])


def test_malformed_row_and_long_name_are_quarantined_and_every_row_accounted_for(messy_run, messy_input):
    _, _, output = messy_run
    quarantine = pq.read_table(output / "quarantine.parquet").to_pandas()
    bad = quarantine[quarantine["file"] == "station/2024/bad.csv"]
    assert bad[["row_number", "reason"]].values.tolist() == [[2, "malformed_row"]]
    long_row = quarantine[quarantine["file"] == "station/2024/long.csv"]
    assert long_row["reason"].tolist() == ["oversized_value:name"]
    summary = json.loads((output / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["rows_read"] == summary["rows_linked"] + summary["rows_quarantined"]
    assert summary["sources"]["station"]["files"]["station/2024/bad.csv"] == {
        "rows_read": 3, "rows_linked": 2, "rows_quarantined": 1}
    links = pq.read_table(output / "record_links.parquet").to_pandas()
    assert len(links) + len(quarantine) == summary["rows_read"]
    assert "扎西次仁扎西次仁" not in (output / "run_summary.json").read_text(encoding="utf-8")


def _one_line(capfd, argv: list[str]) -> tuple[int, list[str]]:
    code = main(argv)
    return code, capfd.readouterr().err.splitlines()


def test_unreadable_file_fails_with_one_line_or_is_skipped_when_asked(messy_input, tmp_path, capfd):
    folder = tmp_path / "input"
    shutil.copytree(messy_input, folder, symlinks=True)
    (folder / "station" / "2024" / "broken.xlsx").write_bytes(b"not a spreadsheet at all" * 10)
    code, lines = _one_line(capfd, ["run", "--input", str(folder), "--output", str(tmp_path / "out")])
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith("rosterlink: error: station/2024/broken.xlsx: cannot read XLSX")
    assert not (tmp_path / "out" / "record_links.parquet").exists()

    code, lines = _one_line(capfd, ["run", "--input", str(folder), "--output", str(tmp_path / "out"),
                                    "--skip-unreadable-files"])
    assert code == 0
    summary = json.loads((tmp_path / "out" / "run_summary.json").read_text(encoding="utf-8"))
    entry = next(e for e in summary["skipped_files"] if e["path"] == "station/2024/broken.xlsx")
    assert entry["reason"] == "unreadable_file" and entry["detail"].startswith("cannot read XLSX")
    assert any(line.startswith("  station/2024/broken.xlsx: unreadable_file (cannot read XLSX") for line in lines)
    links = pd.read_parquet(tmp_path / "out" / "record_links.parquet")
    assert "SUB-1" in set(links["record_id"])


@pytest.fixture(scope="module")
def clean_input(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clean") / "input"
    write_contract_folder(generate(120, 11, GeneratorParams()), folder, 11)
    return folder


def _gbk(folder: Path) -> None:
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder / "station"), GBK_NAME)))
    path.write_bytes((STATION_HEADER + "ROW-1,达瓦,2023-02-01,,\n").encode("gb18030"))


def _village_in_capitals(folder: Path) -> None:
    (folder / "village").rename(folder / "Village")
    (folder / "Village" / "v.csv").write_text("记录编号,姓名,登记日期\nROW-1,达瓦,2023-02-01\n", encoding="utf-8")


CASES = {
    "gbk_file_name": (_gbk, SAFE_GBK_NAME, None),
    "sub_folder": (lambda f: _csv(f / "station" / "2023" / "more.csv", ["ROW-1,拉巴,2023-01-05,,\n"]),
                   "station/2023/more.csv", None),
    "xls": (lambda f: _xls(f / "station" / "old.xls"), "station/old.xls", None),
    "village_in_capitals": (_village_in_capitals, "Village/v.csv", None),
    "csv_txt": (lambda f: _csv(f / "station" / "data.csv.txt", ["ROW-1,a,2023-01-01,,\n"]),
                "station/data.csv.txt", "unsupported_format"),
    "hidden": (lambda f: _csv(f / "station" / ".h.csv", ["ROW-1,a,2023-01-01,,\n"]), "station/.h.csv", "hidden"),
    "unknown_folder": (lambda f: _csv(f / "shelter" / "s.csv", ["ROW-1,a,2023-01-01,,\n"]), "shelter",
                       "unknown_folder"),
    "symlink_to_etc_passwd": (lambda f: (f / "station" / "p.csv").symlink_to("/etc/passwd"), "station/p.csv",
                              "symlink_outside_input"),
    "symlink_to_folder_outside": (lambda f: (f / "police" / "more").symlink_to(f.parent / "outside"),
                                  "police/more", "symlink_outside_input"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_row_of_the_issue_at_a_time_the_file_is_read_or_listed(case, clean_input, tmp_path, capfd):
    """The file the case adds is read (its row linked or quarantined) or listed with its reason; never silent."""
    make, rel, reason = CASES[case]
    folder = tmp_path / "input"
    shutil.copytree(clean_input, folder)
    _csv(tmp_path / "outside" / "x.csv", [f"{SECRET},a,2023-01-01,,\n"])
    make(folder)
    code = main(["run", "--input", str(folder), "--output", str(tmp_path / "out")])
    err = capfd.readouterr().err
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "run_summary.json").read_text(encoding="utf-8"))
    skipped = {entry["path"]: entry["reason"] for entry in summary.get("skipped_files", [])}
    links = pd.read_parquet(tmp_path / "out" / "record_links.parquet")
    quarantine = pd.read_parquet(tmp_path / "out" / "quarantine.parquet")
    rows = pd.concat([links[["file", "record_id"]], quarantine[["file", "record_id"]]])
    if reason is None:
        assert rel not in skipped
        assert rows[rows["file"] == rel]["record_id"].tolist() in (["ROW-1"], ["XLS-1", "XLS-2"])
    else:
        assert skipped[rel] == reason and f"  {rel}: {reason}" in err
        assert not rows["file"].str.startswith(rel).any() and SECRET not in set(rows["record_id"])
    assert len(rows) == summary["rows_read"]
