"""follow-ups export: one county, Chinese headers, formula text neutralized, file 0600, through the CLI."""
from __future__ import annotations

import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.files.follow_up_export import CHINESE_HEADERS, county_code_of, neutralize_formula
from pipelines.files.writers import write_output

DANGEROUS = ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd")


def _follow_ups() -> pd.DataFrame:
    n = len(DANGEROUS) + 1
    return pd.DataFrame({
        "person_id": [f"P{i}" for i in range(n)], "name": ["虚构甲"] * n, "sex": ["M"] * n,
        "birth_year": pd.array([1990] * n, dtype="Int32"),
        "home_prefecture_code": ["540500"] * (n - 1) + ["540100"],
        "home_prefecture_name": ["山南市"] * (n - 1) + ["拉萨市"],
        "home_county_code": ["540521"] * (n - 1) + ["540102"],
        "home_county_name": ["扎囊县"] * (n - 1) + ["城关区"],
        "last_escort_date": pd.Timestamp("2022-01-05"), "last_escort_type": "escorted_home",
        "last_destination": [*DANGEROUS, "拉萨"], "last_return_date": pd.Timestamp("2022-02-14"),
        "last_return_source": "police", "days_to_return": pd.array([40] * n, dtype="Int32"),
        "n_returns": pd.array([1] * n, dtype="Int32"), "last_seen": pd.Timestamp("2022-02-14"),
        "poverty_household_id": ["H-1"] * n, "poverty_status": ["未脱贫"] * n,
        "poverty_status_code": ["not_lifted_out"] * n, "priority": [1] * n,
        "priority_reasons": ["poverty_household"] * n,
    })


@pytest.fixture()
def output_dir(tmp_path: Path) -> Path:
    write_output(_follow_ups(), tmp_path / "out", "follow_ups.parquet")
    return tmp_path / "out"


def test_follow_ups_file_is_private(output_dir: Path):
    assert stat.S_IMODE((output_dir / "follow_ups.parquet").stat().st_mode) == 0o600


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_has_chinese_headers_and_neutralizes_formulas(output_dir: Path, tmp_path: Path, suffix: str):
    target = tmp_path / f"扎囊{suffix}"
    assert main(["follow-ups", "--output", str(output_dir), "--county", "扎囊县", "--to", str(target)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    if suffix == ".csv":
        sheet = pd.read_csv(target, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    else:
        sheet = pd.read_excel(target, dtype=str, engine="openpyxl", keep_default_na=False)
        cells = [c.value for row in openpyxl.load_workbook(target).active.iter_rows() for c in row]
        assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in cells)
    assert list(sheet.columns) == list(CHINESE_HEADERS.values())
    assert "姓名" in sheet.columns and "户籍县区" in sheet.columns
    assert len(sheet) == len(DANGEROUS) and set(sheet["户籍县区"]) == {"扎囊县"}
    written = sorted(v.replace("\r", "\n") for v in sheet["去向"])  # XML (xlsx) stores a CR as LF
    assert written == sorted("'" + value.replace("\r", "\n") for value in DANGEROUS)
    assert set(sheet["离站方式"]) == {"护送返乡"} and set(sheet["优先原因"]) == {"建档立卡户"}


def test_county_by_code_former_code_or_name():
    assert county_code_of("540521") == county_code_of("扎囊") == "540521"
    assert county_code_of("540125") == "540103"  # 堆龙德庆县 -> 堆龙德庆区


def test_unknown_county_is_one_line(output_dir: Path, tmp_path: Path, capsys):
    assert main(["follow-ups", "--output", str(output_dir), "--county", "火星县", "--to", str(tmp_path / "x.csv")]) == 1
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "x.csv").exists()


def test_neutralize_leaves_other_values():
    assert neutralize_formula("拉萨") == "拉萨" and neutralize_formula(5) == 5 and neutralize_formula("a=b") == "a=b"
