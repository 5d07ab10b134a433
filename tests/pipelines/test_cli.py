"""`rosterlink run` reports every input problem as one clear stderr line, without a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import main

STATION_HEADER = "record_id,姓名,身份证号,入站日期,离站日期,离站方式\n"
# a name that must never show up in an error message
STATION_ROW = "S-1,扎西次仁,,2021-03-04,2021-03-09,护送返乡\n"


def _run(capfd, *argv: str) -> tuple[int, list[str]]:
    code = main(["run", *argv])
    captured = capfd.readouterr()
    return code, captured.err.splitlines()


def _assert_one_clear_line(code: int, lines: list[str], *fragments: str) -> None:
    assert code != 0
    assert len(lines) == 1, f"{len(lines)} stderr lines"
    assert "Traceback" not in lines[0]
    assert lines[0].startswith("rosterlink: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "扎西次仁" not in lines[0]


def test_missing_input_folder(tmp_path, capfd):
    code, lines = _run(capfd, "--input", str(tmp_path / "nowhere"), "--output", str(tmp_path / "out"))
    _assert_one_clear_line(code, lines, "nowhere", "does not exist")


def test_folder_without_roster_files(tmp_path, capfd):
    (tmp_path / "in" / "notes").mkdir(parents=True)
    code, lines = _run(capfd, "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    _assert_one_clear_line(code, lines, "no roster files")


def test_input_with_header_only(tmp_path, capfd):
    station = tmp_path / "in" / "station"
    station.mkdir(parents=True)
    (station / "march.csv").write_text(STATION_HEADER, encoding="utf-8")
    code, lines = _run(capfd, "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    _assert_one_clear_line(code, lines, "no data rows")


def test_unreadable_file(tmp_path, capfd):
    station = tmp_path / "in" / "station"
    station.mkdir(parents=True)
    (station / "march.csv").write_text(STATION_HEADER + STATION_ROW, encoding="utf-8")
    (station / "april.xlsx").write_bytes(b"not a spreadsheet at all" * 10)
    code, lines = _run(capfd, "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    _assert_one_clear_line(code, lines, "station/april.xlsx", "cannot read")


def test_missing_required_column(tmp_path, capfd):
    station = tmp_path / "in" / "station"
    station.mkdir(parents=True)
    (station / "march.csv").write_text("record_id,姓名,离站日期\nS-1,扎西次仁,2021-03-09\n", encoding="utf-8")
    code, lines = _run(capfd, "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    _assert_one_clear_line(code, lines, "station/march.csv", "missing required column intake_date")
    assert not (tmp_path / "out" / "record_links.parquet").exists()


def test_invalid_threshold_is_a_usage_error(tmp_path, capfd):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--input", str(tmp_path), "--output", str(tmp_path), "--match-threshold", "1.5"])
    assert exit_info.value.code == 2
    assert "between 0 and 1" in capfd.readouterr().err


def test_installed_entry_point_reports_one_line(tmp_path):
    rosterlink = Path(sys.executable).parent / "rosterlink"
    completed = subprocess.run([str(rosterlink), "run", "--input", str(tmp_path / "nowhere"),
                                "--output", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    assert completed.stderr.splitlines() == [
        f"rosterlink: error: input folder {tmp_path / 'nowhere'} does not exist or is not a folder"]


def test_generate_writes_a_contract_folder_and_truth_beside_it(tmp_path, capfd):
    code = main(["generate", "--out", str(tmp_path / "input"), "--persons", "60", "--seed", "3"])
    out = capfd.readouterr().out
    assert code == 0
    assert {p.name for p in (tmp_path / "input").iterdir()} <= {"station", "police", "village", "poverty"}
    assert (tmp_path / "truth.csv").exists()
    assert f"truth: {tmp_path / 'truth.csv'}" in out


def test_benchmark_prints_scores_as_last_line(capfd):
    code = main(["benchmark", "febrl3"])
    last = capfd.readouterr().out.splitlines()[-1]
    assert code == 0
    fields = dict(part.split("=") for part in last.split())
    assert list(fields) == ["precision", "recall", "f1", "seconds"]
    assert 0.9 < float(fields["f1"]) <= 1.0


def test_explain_refuses_a_folder_without_a_run(tmp_path, capfd):
    code = main(["explain", "--output", str(tmp_path), "station:S-1", "police:P-1"])
    lines = capfd.readouterr().err.splitlines()
    assert code == 1 and len(lines) == 1 and "holds no finished run" in lines[0]


def test_explain_refuses_a_malformed_record_reference(tmp_path, capfd):
    code = main(["explain", "--output", str(tmp_path), "S-1", "police:P-1"])
    lines = capfd.readouterr().err.splitlines()
    assert code == 1 and len(lines) == 1 and "SOURCE:RECORD_ID" in lines[0]


def test_generate_writes_the_named_world_and_refuses_two_worlds(tmp_path, capsys):
    from synthetic.params import GeneratorParams

    assert main(["generate", "--out", str(tmp_path / "ref"), "--persons", "300", "--seed", "3",
                 "--world", "reference"]) == 0
    assert main(["generate", "--out", str(tmp_path / "train"), "--persons", "300", "--seed", "3"]) == 0
    assert (tmp_path / "truth.csv").stat().st_size > 0  # beside the folders
    reference_files = sorted(p.name for p in (tmp_path / "ref").rglob("*") if p.is_file())
    train_files = sorted(p.name for p in (tmp_path / "train").rglob("*") if p.is_file())
    assert reference_files != train_files  # another period and writer: other file names
    assert GeneratorParams.reference_heldout().start_date != GeneratorParams().start_date
    with pytest.raises(SystemExit) as error:
        main(["generate", "--out", str(tmp_path / "x"), "--persons", "10", "--seed", "1",
              "--world", "reference", "--heldout"])
    assert error.value.code == 2


def test_the_cli_loads_dagster_only_to_run_the_pipeline():
    code = ("import sys, pipelines.cli; "
            "loaded = [m for m in sys.modules if m.split('.')[0] == 'dagster' or m.startswith('pipelines.defs')]; "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)
