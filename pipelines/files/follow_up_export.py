"""One home area's follow-up list as a spreadsheet for the office that visits: Chinese headers,
formula text neutralized, written atomically and readable by its owner only (0600).

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read by
a spreadsheet program as a formula (CSV/formula injection); it is written with a leading `'`.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from linkage.roster.addresses import clean_place_text, current_county, division_names, gazetteer
from pipelines.files.state import PRIVATE_FILE_MODE
from pipelines.files.writers import atomic_path

FOLLOW_UPS_FILE = "follow_ups.parquet"
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS: tuple[str, ...] = (".xlsx", ".csv")

CHINESE_HEADERS: dict[str, str] = {
    "priority": "优先级", "priority_reasons": "优先原因", "person_id": "人员编号", "name": "姓名", "sex": "性别",
    "birth_year": "出生年份", "home_prefecture_name": "户籍地(市/地区)", "home_county_name": "户籍县区",
    "home_township_name": "乡镇", "home_village_name": "村居", "home_county_code": "县区代码",
    "home_township_code": "乡镇代码", "last_escort_date": "最近护送/移交日期", "last_escort_type": "离站方式",
    "last_destination": "去向", "last_return_date": "再次出现日期", "last_return_source": "再次出现来源",
    "days_to_return": "间隔天数", "n_returns": "返回次数", "last_seen": "最近一次出现", "poverty_household_id": "户编号",
    "poverty_status": "脱贫状态",
}
"""Column -> header of the exported sheet, in sheet order."""

CHINESE_VALUES: dict[str, dict[str, str]] = {
    "sex": {"M": "男", "F": "女"},
    "last_escort_type": {"escorted_home": "护送返乡", "handed_over": "移交"},
    "last_return_source": {"station": "救助站", "police": "公安"},
    "priority_reasons": {"minor": "未成年人", "several_returns": "多次返回", "poverty_household": "建档立卡户"},
}
"""Codes shown in the office's words (priority_reasons is a comma list of codes)."""


class ExportError(ValueError):
    """A failure to report as one line (names no personal data)."""


def county_code_of(county: str) -> str:
    """The current county code of a county given by code (current or former) or by name (with or without 县/区)."""
    text = county.strip()
    if text.isdigit():
        code = current_county(text)
        if code is None:
            raise ExportError(f"county code {text} is not in the gazetteer")
        return code
    codes = gazetteer().counties.get(clean_place_text(text) or "", frozenset())
    if len(codes) != 1:
        found = "no county" if not codes else f"several counties ({', '.join(sorted(codes))}): give the code"
        raise ExportError(f"county name {text!r} names {found}")
    return next(iter(codes))


def neutralize_formula(value: object) -> object:
    """Text a spreadsheet would run as a formula, prefixed with `'`; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_frame(follow_ups: pd.DataFrame, county_code: str) -> pd.DataFrame:
    """The county's rows, Chinese headers and values, every text cell formula-neutralized."""
    rows = follow_ups[follow_ups["home_county_code"] == county_code]
    sheet = rows[list(CHINESE_HEADERS)].copy()
    for column, words in CHINESE_VALUES.items():
        sheet[column] = sheet[column].map(
            lambda value, words=words: ",".join(words.get(part, part) for part in value.split(","))
            if isinstance(value, str) and value else value)
    for column in ("last_escort_date", "last_return_date", "last_seen"):
        sheet[column] = pd.to_datetime(sheet[column]).dt.strftime("%Y-%m-%d")
    sheet = sheet.astype(object).where(sheet.notna(), None)
    return sheet.map(neutralize_formula).rename(columns=CHINESE_HEADERS)


def export_follow_ups(output_dir: Path, county: str, target: Path) -> tuple[int, str]:
    """Write one county's follow-up list to target (.xlsx or .csv, 0600); rows written and the county's name."""
    if target.suffix.lower() not in EXPORT_FORMATS:
        raise ExportError(f"--to must end in {' or '.join(EXPORT_FORMATS)}")
    source = Path(output_dir) / FOLLOW_UPS_FILE
    if not source.exists():
        raise ExportError(f"{output_dir} holds no {FOLLOW_UPS_FILE}: run the pipeline first")
    code = county_code_of(county)
    sheet = export_frame(pd.read_parquet(source), code)
    with atomic_path(target, PRIVATE_FILE_MODE) as tmp:
        if target.suffix.lower() == ".csv":
            # the BOM lets Excel read UTF-8; every field quoted, so a CR inside a value stays in its cell
            sheet.to_csv(tmp, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_ALL)
        else:
            sheet.to_excel(tmp, index=False, sheet_name="回访名单", engine="openpyxl")
    return len(sheet), division_names("county").get(code, code)
