"""The Tibet gazetteer: free-text addresses and county/township/village columns to current codes.

Names are matched longest first among current and former names of prefectures, counties and
townships (tibet_divisions.csv), and former codes are resolved to the current county through
tibet_code_crosswalk.csv (林芝县 -> 巴宜区 540402, 日喀则地区 -> 日喀则市 540200). Short forms
without the 市/地区/县/区/乡/镇 suffix are accepted when at least two characters remain.
An address naming only a prefecture yields a prefecture code and no county code.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from linkage.engine.levels import RecordFields, code_columns

_PROVINCE = re.compile(r"^(中国)?(西藏自治区|西藏)")
_NOISE = re.compile(r"[\s,，、.。·()（）\-]+")
_VILLAGE = re.compile(r"^(?:.*?(?:乡|镇|街道))?(?P<name>.+?)(?:村民委员会|居民委员会|村委会|居委会|社区|村|居)")
_VILLAGE_SUFFIX = re.compile(r"(村民委员会|居民委员会|村委会|居委会|社区|村|居)$")
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "prefecture": ("地区", "市"),
    "county": ("县", "区", "市"),
    "township": ("街道", "乡", "镇", "区"),
}

ADDRESS_FIELDS: tuple[str, ...] = ("prefecture_code", "county_code", "township_code", "village_name")


@dataclass(frozen=True)
class Place:
    """Current codes resolved from an address or from county/township/village columns."""

    prefecture_code: str | None = None
    county_code: str | None = None
    township_code: str | None = None
    village_name: str | None = None


def _read(name: str) -> list[dict[str, str]]:
    with resources.files("linkage.roster").joinpath(f"data/{name}").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=1)
def divisions() -> list[dict[str, str]]:
    """Rows of tibet_divisions.csv."""
    return _read("tibet_divisions.csv")


@lru_cache(maxsize=1)
def county_crosswalk() -> dict[str, str]:
    """Every known county code (current or former) -> current county code."""
    mapping = {
        row["code"]: row["code"]
        for row in divisions()
        if row["level"] in ("county", "county_stat_only") and row["status"] == "current"
    }
    for row in _read("tibet_code_crosswalk.csv"):
        if row["current_code"]:
            mapping.setdefault(row["old_code"], row["current_code"])
    return mapping


def current_county(code: str | None) -> str | None:
    """The current county code of a current or former county code, None when unknown."""
    return county_crosswalk().get(code) if code else None


@lru_cache(maxsize=1)
def prefecture_crosswalk() -> dict[str, str]:
    """Every prefecture code (current or former) -> current prefecture code.

    A former prefecture maps to the current prefecture most of its counties now belong to.
    """
    parents = {row["code"]: row["parent_code"] for row in divisions()}
    mapping = {
        row["code"]: row["code"]
        for row in divisions()
        if row["level"] == "prefecture" and row["status"] == "current"
    }
    votes: dict[str, Counter[str]] = {}
    for old, new in county_crosswalk().items():
        old_parent, new_parent = parents.get(old), parents.get(new)
        if old_parent and new_parent and old_parent not in mapping:
            votes.setdefault(old_parent, Counter())[new_parent] += 1
    for old_parent, counter in votes.items():
        mapping[old_parent] = counter.most_common(1)[0][0]
    return mapping


@lru_cache(maxsize=None)
def division_names(level: str) -> dict[str, str]:
    """Division code -> name at one level (prefecture, county, township); a current row's name wins
    over a historic one (codes in the outputs are current codes, so they get current names)."""
    levels = ("county", "county_stat_only") if level == "county" else (level,)
    rows = [r for r in divisions() if r["level"] in levels]
    names = {r["code"]: r["name"] for r in rows if r["status"] != "current"}
    names.update({r["code"]: r["name"] for r in rows if r["status"] == "current"})
    return names


@lru_cache(maxsize=1)
def _county_parents() -> dict[str, str]:
    return {row["code"]: row["parent_code"] for row in divisions() if row["level"] != "township"}


def prefecture_of_county(county_code: str | None) -> str | None:
    """Current prefecture code of a current county code."""
    parent = _county_parents().get(county_code) if county_code else None
    return prefecture_crosswalk().get(parent) if parent else None


def _short_forms(name: str, level: str) -> list[str]:
    forms = [name]
    for suffix in _SUFFIXES[level]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            forms.append(name[: -len(suffix)])
    return forms


@dataclass(frozen=True)
class Gazetteer:
    """Name -> candidate current codes per role."""

    prefectures: dict[str, frozenset[str]]
    counties: dict[str, frozenset[str]]
    townships: dict[str, frozenset[tuple[str, str]]]  # (township code, current county code)
    lengths: tuple[int, ...]                            # token lengths, longest first


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The name index built from the division tables."""
    prefectures: dict[str, set[str]] = {}
    counties: dict[str, set[str]] = {}
    townships: dict[str, set[tuple[str, str]]] = {}
    for row in divisions():
        level, name = row["level"], row["name"]
        if level == "prefecture" and (code := prefecture_crosswalk().get(row["code"])):
            for form in _short_forms(name, level):
                prefectures.setdefault(form, set()).add(code)
        elif level in ("county", "county_stat_only") and (code := current_county(row["code"])):
            for form in _short_forms(name, "county"):
                counties.setdefault(form, set()).add(code)
        elif level == "township" and (county := current_county(row["parent_code"])):
            for form in _short_forms(name, level):
                townships.setdefault(form, set()).add((row["code"], county))
    lengths = sorted({len(n) for table in (prefectures, counties, townships) for n in table}, reverse=True)
    return Gazetteer(
        prefectures={k: frozenset(v) for k, v in prefectures.items()},
        counties={k: frozenset(v) for k, v in counties.items()},
        townships={k: frozenset(v) for k, v in townships.items()},
        lengths=tuple(lengths),
    )


def clean_place_text(text: object) -> str | None:
    """NFKC, separators removed, the province (西藏自治区/西藏) stripped; None when empty."""
    if not isinstance(text, str):
        return None
    cleaned = _PROVINCE.sub("", _NOISE.sub("", unicodedata.normalize("NFKC", text)))
    return cleaned or None


def _tokens(text: str) -> list[tuple[int, str]]:
    """Longest known place names, scanning left to right: (end position, name)."""
    gaz = gazetteer()
    found: list[tuple[int, str]] = []
    position = 0
    while position < len(text):
        for size in gaz.lengths:
            piece = text[position: position + size]
            if len(piece) == size and (piece in gaz.prefectures or piece in gaz.counties or piece in gaz.townships):
                found.append((position + size, piece))
                position += size
                break
        else:
            position += 1
    return found


def village_from_text(text: str | None) -> str | None:
    """Village name before a 村/居委会/社区 suffix (an unknown 乡/镇 before it is skipped)."""
    if not text:
        return None
    match = _VILLAGE.match(text)
    return match["name"] if match else None


def normalize_village(value: object) -> str | None:
    """A village column value without its 村/居委会/社区 suffix."""
    cleaned = clean_place_text(value)
    while cleaned and (stripped := _VILLAGE_SUFFIX.sub("", cleaned)) and stripped != cleaned:
        cleaned = stripped
    return cleaned


def _pick_township(name: str, county: str | None, prefecture: str | None) -> tuple[str, str] | None:
    candidates = gazetteer().townships.get(name, frozenset())
    if county:
        candidates = frozenset(c for c in candidates if c[1] == county)
    elif prefecture:
        candidates = frozenset(c for c in candidates if prefecture_of_county(c[1]) == prefecture)
    return next(iter(candidates)) if len(candidates) == 1 else None


def _pick_county(name: str, prefecture: str | None) -> str | None:
    candidates = gazetteer().counties.get(name, frozenset())
    if prefecture and len(candidates) > 1:
        candidates = frozenset(c for c in candidates if prefecture_of_county(c) == prefecture)
    return next(iter(candidates)) if len(candidates) == 1 else None


@lru_cache(maxsize=200_000)
def parse_address(text: str | None) -> Place:
    """Resolve a free-text address to current codes at whatever granularity it gives.

    The first token may be a prefecture; a later name that is both a former county and a
    prefecture (日喀则市) is read as the county only after a prefecture was seen.
    """
    cleaned = clean_place_text(text)
    if cleaned is None:
        return Place()
    gaz = gazetteer()
    prefecture = county = township = None
    last_end = 0
    for end, name in _tokens(cleaned):
        if prefecture is None and county is None and township is None and name in gaz.prefectures:
            prefecture, last_end = next(iter(gaz.prefectures[name])), end
        elif county is None and township is None and (code := _pick_county(name, prefecture)):
            county, last_end = code, end
        elif township is None and (pick := _pick_township(name, county, prefecture)):
            township, county, last_end = pick[0], pick[1], end
    if county and not prefecture:
        prefecture = prefecture_of_county(county)
    village = village_from_text(cleaned[last_end:]) if (county or township) else None
    return Place(prefecture, county, township, village)


@lru_cache(maxsize=200_000)
def parse_columns(county: str | None, township: str | None, village: str | None) -> Place:
    """Resolve county/township/village columns; a county column value is read as a county first."""
    county_text = clean_place_text(county)
    county_code = None
    if county_text:
        county_code = _pick_county(county_text, None) or parse_address(county_text).county_code
    prefecture = prefecture_of_county(county_code)
    township_text = clean_place_text(township)
    township_code = None
    if township_text:
        pick = _pick_township(township_text, county_code, prefecture)
        if pick:
            township_code, county_code = pick
            prefecture = prefecture_of_county(county_code)
    if county_code is None and county_text:
        prefecture = parse_address(county_text).prefecture_code
    return Place(prefecture, county_code, township_code, normalize_village(village))


def _distinct_text(values: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Factor codes of a column and its distinct values, blanks and non-text as None."""
    column_codes, uniques = pd.factorize(values.reset_index(drop=True))
    texts = [u if isinstance(u, str) and u.strip() else None for u in uniques]
    return column_codes.astype(np.int64), texts + [None]


def resolve_places(
    home_address: pd.Series, county: pd.Series, township: pd.Series, village: pd.Series,
) -> pd.DataFrame:
    """Per record: prefecture_code, county_code, township_code, village_name.

    The county/township/village columns win when they resolve a county; otherwise the free-text
    home address is parsed. Each distinct combination of the four values is resolved once.
    """
    columns = [_distinct_text(c) for c in (home_address, county, township, village)]
    codes = np.zeros(len(home_address), dtype=np.int64)
    for column_codes, texts in columns:
        codes = pd.factorize(codes * len(texts) + column_codes + 1)[0]
    first_rows = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    places: list[tuple[str | None, ...]] = []
    for row in first_rows:
        address, county_value, township_value, village_value = (
            texts[column_codes[row]] for column_codes, texts in columns
        )
        place = parse_columns(county_value, township_value, village_value)
        if place.county_code is None and address is not None:
            from_address = parse_address(address)
            if from_address.county_code or from_address.prefecture_code:
                place = from_address
        places.append(tuple(getattr(place, f) for f in ADDRESS_FIELDS))
    table = pd.DataFrame(places, columns=list(ADDRESS_FIELDS), dtype=object)
    result = table.iloc[codes].reset_index(drop=True) if len(codes) else table
    result.index = home_address.index
    return result.where(result.notna(), None)


COUNTY_LEVELS: tuple[str, ...] = (
    "different", "same prefecture only", "same county via id number", "same county",
)
COUNTY_FIELDS = RecordFields("county", code_columns("place_county_code", "place_prefecture_code",
                                                    "place_county_from_id"))
"""(records, 3) int32: place_county_code, place_prefecture_code, place_county_from_id."""


def county_levels(df: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Level of the `county` comparison on current codes (-1 when a side has no place at all).

    3 same county from addresses/columns on both sides; 2 same county where a side's county is
    only its id number's area (the county of first registration, weaker evidence); 1 same
    prefecture where a side knows only the prefecture (station/police addresses often stop
    there); 0 different county or prefecture.
    """
    fields_l, fields_r = COUNTY_FIELDS.take(df, left), COUNTY_FIELDS.take(df, right)
    county_l, prefecture_l, from_id_l = fields_l[:, 0], fields_l[:, 1], fields_l[:, 2]
    county_r, prefecture_r, from_id_r = fields_r[:, 0], fields_r[:, 1], fields_r[:, 2]
    both_county = (county_l >= 0) & (county_r >= 0)
    both_prefecture = (prefecture_l >= 0) & (prefecture_r >= 0)
    levels = np.zeros(len(left), dtype=np.int8)
    levels[~both_county & both_prefecture & (prefecture_l == prefecture_r)] = 1
    same_county = both_county & (county_l == county_r)
    levels[same_county] = 2
    levels[same_county & (from_id_l == 0) & (from_id_r == 0)] = 3
    levels[~both_county & ~both_prefecture] = -1
    return levels
