"""Every file under INPUT is read or listed with its reason; symlinks never lead out of INPUT."""
from __future__ import annotations

import os
from pathlib import Path

from pipelines.files.discovery import display_path, scan_input
from pipelines.files.ingest import read_file

HEADER = "记录编号,入站日期\n"
GBK_NAME = "二月".encode("gbk") + b".csv"  # what unzipping an archive made on Chinese Windows gives


def touch(path: Path, text: str = HEADER + "S1,2023-01-01\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scanned(root: Path) -> tuple[list[str], dict[str, str]]:
    scan = scan_input(root)
    return [f.rel for f in scan.files], {s.path: s.reason for s in scan.skipped}


def test_sub_folders_and_case_insensitive_source_folders_are_read(tmp_path):
    touch(tmp_path / "station" / "a.csv")
    touch(tmp_path / "station" / "2023" / "more.csv")
    touch(tmp_path / "station" / "2023" / "07" / "deep.csv")
    touch(tmp_path / "Village" / "v.csv")
    read, skipped = scanned(tmp_path)
    assert read == ["station/2023/07/deep.csv", "station/2023/more.csv", "station/a.csv", "Village/v.csv"]
    assert skipped == {}
    assert [f.source for f in scan_input(tmp_path).files] == ["station", "station", "station", "village"]


def test_every_file_not_read_is_listed_with_its_reason(tmp_path):
    for name in ("a.csv", "old.xls", "b.XLSM", "c.ods", "d.xlsb", "notes.txt", "data.csv.txt", ".hidden.csv",
                 "~$c.xlsx"):
        touch(tmp_path / "station" / name)
    touch(tmp_path / "station" / ".git" / "x.csv")
    touch(tmp_path / "other" / "o.csv")
    touch(tmp_path / "loose.csv")
    os.mkfifo(tmp_path / "station" / "pipe.csv")
    read, skipped = scanned(tmp_path)
    assert read == ["station/a.csv", "station/b.XLSM", "station/c.ods", "station/d.xlsb", "station/old.xls"]
    assert skipped == {
        "station/notes.txt": "unsupported_format", "station/data.csv.txt": "unsupported_format",
        "station/.hidden.csv": "hidden", "station/.git": "hidden", "station/~$c.xlsx": "office_lock_file",
        "station/pipe.csv": "not_a_regular_file", "other": "unknown_folder", "loose.csv": "outside_source_folder",
    }


def test_symlinks_out_of_the_input_folder_are_never_followed(tmp_path):
    root, outside = tmp_path / "in", tmp_path / "outside"
    touch(root / "station" / "a.csv")
    touch(outside / "secret.csv")
    (root / "station" / "passwd.csv").symlink_to("/etc/passwd")
    (root / "station" / "secret.csv").symlink_to(outside / "secret.csv")
    (root / "station" / "elsewhere").symlink_to(outside, target_is_directory=True)
    (root / "police").symlink_to(outside, target_is_directory=True)
    (root / "station" / "again.csv").symlink_to(root / "station" / "a.csv")
    (root / "station" / "gone.csv").symlink_to(root / "nowhere.csv")
    read, skipped = scanned(root)
    assert read == ["station/a.csv", "station/again.csv"]
    assert skipped == {
        "station/passwd.csv": "symlink_outside_input", "station/secret.csv": "symlink_outside_input",
        "station/elsewhere": "symlink_outside_input", "police": "symlink_outside_input",
        "station/gone.csv": "broken_symlink",
    }


def test_file_name_in_gbk_bytes_is_read_under_a_safe_name(tmp_path):
    folder = tmp_path / "station"
    folder.mkdir()
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), GBK_NAME)))
    path.write_bytes((HEADER + "S1,2023-01-01\n").encode("gb18030"))
    (scan_file,) = scan_input(tmp_path).files
    assert scan_file.rel == "station/\\xb6\\xfe\\xd4\\xc2.csv"
    frame = read_file(scan_file.path, "station", tmp_path)
    assert frame["file"].tolist() == ["station/\\xb6\\xfe\\xd4\\xc2.csv"]
    assert frame["file"][0].encode("utf-8")  # writable as UTF-8 (Parquet, JSON, a terminal)


def test_display_path_escapes_control_characters():
    assert display_path("station/a\nb\x1b[31m.csv") == "station/a\\x0ab\\x1b[31m.csv"
    assert display_path("station/二月.csv") == "station/二月.csv"

