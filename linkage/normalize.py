"""records -> normalized: the frame every blocking rule and comparison of the roster model reads.

Columns are those of docs/DESIGN.md ("normalized"), plus integer code columns that make the
comparisons and blocking keys array operations (-1 = missing throughout):

| column | meaning |
|---|---|
| `name_norm_code`, `name_pinyin_code`, `name_affix_code` | factorized `name_norm`, `name_pinyin`, `name_affix` |
| `name_canon_code`, `name_abbr_code`, `name_comp1_code`, `name_comp2_code` | one shared vocabulary, so a 2-character key compares with a component |
| `name_short` | bool: a 2-character name or a one-component name (abbreviation candidate) |
| `name_len` | characters in `name_norm` (0 when unknown) |
| `sex_code` | 0 = F, 1 = M |
| `id18_code`, `id_valid`, `id_birth_code`, `id_county_code` | factorized id18, status valid, id birth date (days since 1970), factorized id_county |
| `id_text` | id18, or the cleaned text of a malformed 16-19 digit number (see `linkage.id_numbers`) |
| `birth_day_code`, `birth_month_code`, `birth_lo`, `birth_hi`, `birth_exact`, `birth_month` | see `linkage.birth.effective_birth` (field first, else the id's date) |
| `place_county_code`, `place_county_from_id`, `place_prefecture_code` | county (address/columns, else the id's county) and its prefecture, factorized in one vocabulary each |
| `township_code_int`, `village_code`, `household_code` | factorized township code, (county, village name), household id |
"""
from __future__ import annotations

import unicodedata
from typing import Callable

import numpy as np
import pandas as pd

from linkage.addresses import prefecture_of_county, resolve_places
from linkage.birth import birth_fields, effective_birth
from linkage.dates import parse_dates
from linkage.id_numbers import parse_id_numbers
from linkage.names import normalize_names
from schemas.contract import CANONICAL_COLUMNS, EVENT_DATE_COLUMN, EXIT_TYPES

_SEX_WORDS: dict[str, str] = {
    "男": "M", "男性": "M", "m": "M", "male": "M", "1": "M",
    "女": "F", "女性": "F", "f": "F", "female": "F", "2": "F",
}
KEPT_COLUMNS: tuple[str, ...] = ("source", "record_id", "file", "row_number", *CANONICAL_COLUMNS)


def codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """int64 factor codes of a column, -1 for None/NaN."""
    return pd.factorize(pd.Series(np.asarray(values, dtype=object)))[0].astype(np.int64)


def shared_codes(frame: pd.DataFrame, columns: list[str]) -> dict[str, np.ndarray]:
    """Factor codes of several columns in one vocabulary (equal strings get equal codes)."""
    stacked = pd.concat([frame[c] for c in columns], ignore_index=True)
    all_codes = pd.factorize(stacked)[0].astype(np.int64).reshape(len(columns), len(frame))
    return dict(zip(columns, all_codes))


def map_distinct(values: pd.Series, function: Callable[[object], object]) -> pd.Series:
    """function applied once per distinct non-null value (None stays None), same index."""
    value_codes, uniques = pd.factorize(values)
    mapped = np.array([function(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[value_codes], index=values.index, dtype=object)


def parse_sex(values: pd.Series) -> pd.Series:
    """M / F / None from 男/女, M/F, male/female, 1/2 (GB/T 2261)."""
    return map_distinct(
        values, lambda v: _SEX_WORDS.get(unicodedata.normalize("NFKC", v).strip().lower()) if isinstance(v, str) else None
    )


def _text(records: pd.DataFrame, column: str) -> pd.Series:
    if column not in records:
        return pd.Series([None] * len(records), index=records.index, dtype=object)
    values = records[column].to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return pd.Series(values, index=records.index, dtype=object)


def _event_text(records: pd.DataFrame) -> pd.Series:
    """Per row, the text of its source's event date column (None for the poverty list)."""
    result = pd.Series([None] * len(records), index=records.index, dtype=object)
    for source, column in EVENT_DATE_COLUMN.items():
        if column is not None:
            rows = records["source"] == source
            result[rows] = _text(records, column)[rows]
    return result


def _exit_types(values: pd.Series) -> pd.Series:
    return map_distinct(values, lambda v: EXIT_TYPES.get(v.strip().lower()) if isinstance(v, str) else None)


def _household(values: pd.Series) -> pd.Series:
    return map_distinct(values, lambda v: v.strip() or None if isinstance(v, str) else None)


def _name_codes(frame: pd.DataFrame) -> pd.DataFrame:
    shared = shared_codes(frame, ["name_canon", "name_abbr", "name_comp1", "name_comp2"])
    canon_len = np.array([len(v) if isinstance(v, str) else 0 for v in frame["name_canon"]], dtype=np.int64)
    short = (canon_len == 2) & frame["name_comp2"].isna().to_numpy()
    return pd.DataFrame({
        "name_norm_code": codes(frame["name_norm"]),
        "name_pinyin_code": codes(frame["name_pinyin"]),
        "name_affix_code": codes(frame["name_affix"]),
        **{f"{c}_code": v for c, v in shared.items()},
        "name_short": short,
        "name_len": np.array([len(v) if isinstance(v, str) else 0 for v in frame["name_norm"]], dtype=np.int64),
    }, index=frame.index)


def _names_and_codes(raw_names: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Name fields and name code columns, computed on the distinct raw names then spread to rows."""
    raw_codes, uniques = pd.factorize(raw_names)
    table = normalize_names(pd.Series(list(uniques) + [None], dtype=object))  # last row: no name
    table_codes = _name_codes(table)
    rows = np.where(raw_codes < 0, len(uniques), raw_codes)
    names = table.iloc[rows].set_axis(raw_names.index)
    return names, table_codes.iloc[rows].set_axis(raw_names.index)


HOME_AREA_EXITS: tuple[str, ...] = ("escorted_home", "handed_over")


def _with_destination_county(places: pd.DataFrame, destination: pd.Series, exit_type: pd.Series) -> pd.DataFrame:
    """County from the destination of a station row escorted home or handed over (护送至日喀则市
    桑珠孜区, 移交拉孜县民政局 name the home county) where the home address gives none, or only
    a prefecture that the destination's county belongs to."""
    need = (places["county_code"].isna() & exit_type.isin(HOME_AREA_EXITS) & destination.notna()).to_numpy()
    if not need.any():
        return places
    blank = pd.Series(None, index=destination.index[need], dtype=object)
    found = resolve_places(destination[need], blank, blank, blank)
    known_prefecture = places.loc[need, "prefecture_code"]
    usable = found["county_code"].notna() & (known_prefecture.isna() | (known_prefecture == found["prefecture_code"]))
    rows = found.index[usable.to_numpy()]
    places = places.copy()
    places.loc[rows, ["prefecture_code", "county_code"]] = found.loc[rows, ["prefecture_code", "county_code"]].to_numpy()
    return places


def _place_codes(frame: pd.DataFrame) -> pd.DataFrame:
    from_id = frame["county_code"].isna() & frame["id_county"].notna()
    county = frame["county_code"].where(~from_id, frame["id_county"])
    id_prefecture = map_distinct(frame["id_county"], prefecture_of_county)
    prefecture = frame["prefecture_code"].where(frame["prefecture_code"].notna(), id_prefecture.where(from_id))
    village_key = frame["county_code"].fillna("") + "|" + frame["village_name"]
    return pd.DataFrame({
        "place_county_code": codes(county.astype(object)),
        "place_county_from_id": from_id.to_numpy(dtype=bool),
        "place_prefecture_code": codes(prefecture.astype(object)),
        "township_code_int": codes(frame["township_code"]),
        "village_code": codes(village_key.astype(object)),
        "household_code": codes(frame["household_id"]),
    }, index=frame.index)


REPLACED_COLUMNS: tuple[str, ...] = ("sex", "birth_date", "household_id", "event_date", "exit_date", "exit_type")
"""Canonical columns whose normalized value replaces the text (same column name)."""


def normalize_records(records: pd.DataFrame) -> pd.DataFrame:
    """The normalized frame of docs/DESIGN.md, same row order as `records`, plus code columns."""
    records = records.reset_index(drop=True)
    frame = pd.DataFrame({c: _text(records, c) for c in KEPT_COLUMNS}, index=records.index)
    if "row_number" in records:
        frame["row_number"] = records["row_number"]
    names, name_codes = _names_and_codes(frame["name"])
    ids = parse_id_numbers(frame["id_number"])
    field_sex = parse_sex(frame["sex"])
    sex = field_sex.where(field_sex.notna(), ids["id_sex"].where(ids["id_status"] == "valid"))
    event_date, _ = parse_dates(_event_text(records))
    exit_date, _ = parse_dates(frame["exit_date"])
    births = birth_fields(frame["birth_date"], frame["age"], event_date)
    places = resolve_places(frame["home_address"], frame["county"], frame["township"], frame["village"])
    replaced = pd.DataFrame({
        "sex": sex.where(sex.notna(), None).astype(object),
        "household_id": _household(frame["household_id"]),
        "event_date": event_date.astype("datetime64[ns]"),
        "exit_date": exit_date.astype("datetime64[ns]"),
        "exit_type": _exit_types(frame["exit_type"]),
    }, index=frame.index)
    places = _with_destination_county(places, frame["destination"], replaced["exit_type"])
    id_birth = ids["id_birth_date"]
    id_codes = pd.DataFrame({
        "sex_code": replaced["sex"].map({"F": 0, "M": 1}).fillna(-1).to_numpy(dtype=np.int64),
        "id18_code": codes(ids["id18"]),
        "id_valid": (ids["id_status"] == "valid").to_numpy(),
        "id_birth_code": np.where(id_birth.notna(), id_birth.to_numpy(dtype="datetime64[D]").astype(np.int64), -1),
        "id_county_code": codes(ids["id_county"]),
    }, index=frame.index)
    place_codes = _place_codes(pd.concat([places, ids[["id_county"]], replaced[["household_id"]]], axis=1))
    usable_id_date = ids["id_status"].isin(["valid", "bad_check"])
    return pd.concat([
        frame.drop(columns=list(REPLACED_COLUMNS)),
        names, replaced[["sex"]], ids, births, places, replaced.drop(columns=["sex"]),
        name_codes, id_codes, effective_birth(births, id_birth, usable_id_date), place_codes,
    ], axis=1, copy=False)
