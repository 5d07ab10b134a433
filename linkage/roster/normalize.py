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
| `id_text` | id18, or the cleaned text of a malformed 16-19 digit number (see `linkage.roster.id_numbers`) |
| `birth_day_code`, `birth_month_code`, `birth_lo`, `birth_hi`, `birth_exact`, `birth_month` | see `linkage.roster.birth.effective_birth` (field first, else the id's date) |
| `place_county_code`, `place_county_from_id`, `place_prefecture_code` | county (address/columns, else the id's county) and its prefecture, factorized in one vocabulary each |
| `township_code_int`, `village_code`, `household_code` | factorized township code, (county, village name), household id |
"""
from __future__ import annotations

import unicodedata
from typing import Callable

import numpy as np
import pandas as pd

from linkage.roster.addresses import prefecture_of_county, resolve_places
from linkage.roster.birth import birth_fields, effective_birth
from linkage.roster.dates import parse_dates
from linkage.roster.id_numbers import parse_id_numbers
from linkage.roster.names import normalize_names
from schemas.contract import CANONICAL_COLUMNS, EVENT_DATE_COLUMN, EXIT_TYPES

_SEX_WORDS: dict[str, str] = {
    "男": "M", "男性": "M", "m": "M", "male": "M", "1": "M",
    "女": "F", "女性": "F", "f": "F", "female": "F", "2": "F",
}
KEPT_COLUMNS: tuple[str, ...] = ("source", "record_id", "file", "row_number", *CANONICAL_COLUMNS)


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


def _name_shape(names: pd.DataFrame) -> pd.DataFrame:
    """name_short and name_len of name fields."""
    canon_len = np.array([len(v) if isinstance(v, str) else 0 for v in names["name_canon"]], dtype=np.int64)
    return pd.DataFrame({
        "name_short": (canon_len == 2) & names["name_comp2"].isna().to_numpy(),
        "name_len": np.array([len(v) if isinstance(v, str) else 0 for v in names["name_norm"]], dtype=np.int64),
    }, index=names.index)


def _names_and_shape(raw_names: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Name fields and their shape columns, computed on the distinct raw names then spread to rows."""
    raw_codes, uniques = pd.factorize(raw_names)
    table = normalize_names(pd.Series(list(uniques) + [None], dtype=object))  # last row: no name
    table_shape = _name_shape(table)
    rows = np.where(raw_codes < 0, len(uniques), raw_codes)
    return table.iloc[rows].set_axis(raw_names.index), table_shape.iloc[rows].set_axis(raw_names.index)


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


def _missing_as_none(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None)


def _place_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """place_county_from_id, and the values the place code columns number (CODE_KEY_COLUMNS)."""
    from_id = frame["county_code"].isna() & frame["id_county"].notna()
    county = frame["county_code"].where(~from_id, frame["id_county"])
    id_prefecture = map_distinct(frame["id_county"], prefecture_of_county)
    prefecture = frame["prefecture_code"].where(frame["prefecture_code"].notna(), id_prefecture.where(from_id))
    village_key = frame["county_code"].fillna("") + "|" + frame["village_name"]
    return pd.DataFrame({
        "place_county_from_id": from_id.to_numpy(dtype=bool),
        "place_county_key": _missing_as_none(county),
        "place_prefecture_key": _missing_as_none(prefecture),
        "village_key": _missing_as_none(village_key),
    }, index=frame.index)


REPLACED_COLUMNS: tuple[str, ...] = ("sex", "birth_date", "household_id", "event_date", "exit_date", "exit_type")
"""Canonical columns whose normalized value replaces the text (same column name)."""


CODE_VOCABULARIES: tuple[tuple[tuple[str, str], ...], ...] = (
    (("name_norm", "name_norm_code"),),
    (("name_pinyin", "name_pinyin_code"),),
    (("name_affix", "name_affix_code"),),
    (("name_canon", "name_canon_code"), ("name_abbr", "name_abbr_code"),
     ("name_comp1", "name_comp1_code"), ("name_comp2", "name_comp2_code")),
    (("id18", "id18_code"),),
    (("id_county", "id_county_code"),),
    (("place_county_key", "place_county_code"),),
    (("place_prefecture_key", "place_prefecture_code"),),
    (("township_code", "township_code_int"),),
    (("village_key", "village_code"),),
    (("household_id", "household_code"),),
)
"""The global code columns, one vocabulary each (the name keys share one): (value column of
`normalize_rows`, code column) pairs. A vocabulary numbers its distinct values in order of first
appearance, its columns taken one after the other (pandas.factorize of the columns stacked); -1
for a missing value."""
CODE_KEY_COLUMNS: tuple[str, ...] = ("place_county_key", "place_prefecture_key", "village_key")
"""Columns of `normalize_rows` only there to be coded (not in the normalized frame)."""
_CODES_BEFORE: dict[str, tuple[str, ...]] = {
    "name_short": ("name_norm_code", "name_pinyin_code", "name_affix_code", "name_canon_code",
                   "name_abbr_code", "name_comp1_code", "name_comp2_code"),
    "id_valid": ("id18_code",),
    "birth_day_code": ("id_county_code",),
    "place_county_from_id": ("place_county_code",),
}
_CODES_LAST: tuple[str, ...] = ("place_prefecture_code", "township_code_int", "village_code", "household_code")


def _own_text(records: pd.DataFrame, columns: tuple[str, ...] = KEPT_COLUMNS) -> pd.DataFrame:
    """`columns` of `records` (a RangeIndex), text missing as None."""
    frame = pd.DataFrame({c: _text(records, c) for c in columns}, index=records.index)
    if "row_number" in records:
        frame["row_number"] = records["row_number"]
    return frame


def _derived(records: pd.DataFrame, frame: pd.DataFrame) -> list[pd.DataFrame]:
    """The columns of `normalize_rows` computed from the records' text `frame` (`_own_text`)."""
    names, name_shape = _names_and_shape(frame["name"])
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
    id_fields = pd.DataFrame({
        "sex_code": replaced["sex"].map({"F": 0, "M": 1}).fillna(-1).to_numpy(dtype=np.int64),
        "id_valid": (ids["id_status"] == "valid").to_numpy(),
        "id_birth_code": np.where(id_birth.notna(), id_birth.to_numpy(dtype="datetime64[D]").astype(np.int64), -1),
    }, index=frame.index)
    place_keys = _place_keys(pd.concat([places, ids[["id_county"]]], axis=1))
    usable_id_date = ids["id_status"].isin(["valid", "bad_check"])
    return [
        names, replaced[["sex"]], ids, births, places, replaced.drop(columns=["sex"]),
        name_shape, id_fields, effective_birth(births, id_birth, usable_id_date), place_keys,
    ]


def normalize_rows(records: pd.DataFrame) -> pd.DataFrame:
    """The row-wise part of `normalize_records`: every column but the global code columns of
    CODE_VOCABULARIES, plus the CODE_KEY_COLUMNS they number. A row's values depend on that row
    alone, so any split of `records` into parts gives the same rows."""
    records = records.reset_index(drop=True)
    frame = _own_text(records)
    return pd.concat([frame.drop(columns=list(REPLACED_COLUMNS)), *_derived(records, frame)], axis=1, copy=False)


def own_columns(records: pd.DataFrame) -> pd.DataFrame:
    """The first columns of `normalize_rows(records)`: the records' own text, missing as None."""
    own = tuple(c for c in KEPT_COLUMNS if c not in REPLACED_COLUMNS)
    return _own_text(records.reset_index(drop=True), own)


def derived_columns(records: pd.DataFrame) -> pd.DataFrame:
    """The other columns of `normalize_rows(records)` (those after `own_columns`)."""
    records = records.reset_index(drop=True)
    return pd.concat(_derived(records, _own_text(records)), axis=1, copy=False)


def vocabulary_codes(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """The global code columns of `normalize_rows` output (CODE_VOCABULARIES), by code column."""
    found: dict[str, np.ndarray] = {}
    for vocabulary in CODE_VOCABULARIES:
        by_key = shared_codes(rows, [key for key, _ in vocabulary])
        found.update({code: by_key[key] for key, code in vocabulary})
    return found


def add_codes(rows: pd.DataFrame, code_columns: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """`normalize_rows` output -> the normalized frame: the global code columns (`code_columns`,
    else `vocabulary_codes(rows)`) put in their places, the CODE_KEY_COLUMNS dropped."""
    code_columns = vocabulary_codes(rows) if code_columns is None else code_columns
    columns: dict[str, pd.Series | np.ndarray] = {}
    for name in rows.columns:
        if name in CODE_KEY_COLUMNS:
            continue
        columns.update({code: code_columns[code] for code in _CODES_BEFORE.get(name, ())})
        columns[name] = rows[name]
    columns.update({code: code_columns[code] for code in _CODES_LAST})
    return pd.DataFrame(columns, index=rows.index)


def normalize_records(records: pd.DataFrame) -> pd.DataFrame:
    """The normalized frame of docs/DESIGN.md, same row order as `records`, plus code columns."""
    return add_codes(normalize_rows(records))
