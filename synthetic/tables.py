"""Packaged reference tables (synthetic/data/, sources in data/SOURCES.md), loaded once."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from pypinyin import Style, lazy_pinyin


# Tables the linkage toolkit also reads live once, in its package; the rest are the generator's own.
_SHARED_TABLES = {
    "tibet_divisions.csv": "linkage.roster",
    "tibet_code_crosswalk.csv": "linkage.roster",
    "han_surnames.csv": "linkage.roster.names",
    "tibetan_name_components.csv": "linkage.roster.names",
}


def _read_csv(name: str) -> pd.DataFrame:
    package = _SHARED_TABLES.get(name, "synthetic.data")
    with resources.files(package).joinpath(f"data/{name}" if package != "synthetic.data" else name).open(
            "r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


# A former name still written in addresses only if it was valid in or after this year.
_FORMER_NAME_IN_USE_SINCE = 2000


@dataclass(frozen=True)
class Divisions:
    """Current counties and townships, and the former codes/names a county carried."""

    county_code: np.ndarray        # current county codes (str), index = county number
    county_name: np.ndarray
    prefecture_code: np.ndarray    # current prefecture code per county
    prefecture_name: np.ndarray
    township_county: np.ndarray    # county number per township
    township_code: np.ndarray
    township_name: np.ndarray
    former_codes: tuple[tuple[tuple[str, int, int], ...], ...]  # per county: (old code, from, to)
    former_county_names: tuple[tuple[str, ...], ...]           # per county: former names differing
    former_prefecture_names: tuple[tuple[str, ...], ...]       # per county: former prefecture names


@lru_cache(maxsize=1)
def divisions() -> Divisions:
    """Counties (level county, status current) with their townships and former codes/names."""
    table = _read_csv("tibet_divisions.csv")
    crosswalk = _read_csv("tibet_code_crosswalk.csv")
    counties = table[(table["level"] == "county") & (table["status"] == "current")]
    townships = table[table["level"] == "township"]
    counties = counties[counties["code"].isin(townships["parent_code"])].reset_index(drop=True)
    names_by_code = dict(zip(table["code"], table["name"]))
    county_index = {code: i for i, code in enumerate(counties["code"])}
    townships = townships[townships["parent_code"].isin(county_index)].reset_index(drop=True)

    former_codes: list[list[tuple[str, int, int]]] = [[] for _ in county_index]
    former_names: list[set[str]] = [set() for _ in county_index]
    former_prefectures: list[set[str]] = [set() for _ in county_index]
    for row in crosswalk.itertuples(index=False):
        if row.current_code not in county_index:
            continue
        i = county_index[row.current_code]
        valid_from = int(row.old_valid_from) if row.old_valid_from else 1900
        former_codes[i].append((row.old_code, valid_from, int(row.old_valid_to)))
        if int(row.old_valid_to) < _FORMER_NAME_IN_USE_SINCE:
            continue
        if row.old_name != row.current_name:
            former_names[i].add(row.old_name)
        old_prefecture = names_by_code.get(row.old_code[:4] + "00")
        current_prefecture = names_by_code[row.current_code[:4] + "00"]
        if old_prefecture and old_prefecture != current_prefecture and old_prefecture.endswith("地区"):
            former_prefectures[i].add(old_prefecture)
    prefecture_codes = counties["code"].str[:4] + "00"
    return Divisions(
        county_code=counties["code"].to_numpy(),
        county_name=counties["name"].to_numpy(),
        prefecture_code=prefecture_codes.to_numpy(),
        prefecture_name=prefecture_codes.map(names_by_code).to_numpy(),
        township_county=townships["parent_code"].map(county_index).to_numpy(np.int64),
        township_code=townships["code"].to_numpy(),
        township_name=townships["name"].to_numpy(),
        former_codes=tuple(tuple(sorted(codes, key=lambda c: c[1])) for codes in former_codes),
        former_county_names=tuple(tuple(sorted(names)) for names in former_names),
        former_prefecture_names=tuple(tuple(sorted(names)) for names in former_prefectures),
    )


@dataclass(frozen=True)
class TibetanComponents:
    """Tibetan name components in table order (roughly most common first)."""

    canonical: np.ndarray
    variants: tuple[tuple[str, ...], ...]   # first variant = the canonical spelling
    gender_hint: np.ndarray                 # 'male' / 'female' / 'unisex'


@lru_cache(maxsize=1)
def tibetan_components() -> TibetanComponents:
    table = _read_csv("tibetan_name_components.csv")
    variants = []
    for canonical, spelled in zip(table["canonical"], table["variants"]):
        others = [v for v in spelled.split("|") if v and v != canonical]
        variants.append((canonical, *others))
    return TibetanComponents(
        canonical=table["canonical"].to_numpy(),
        variants=tuple(variants),
        gender_hint=table["gender_hint"].to_numpy(),
    )


@dataclass(frozen=True)
class HanNames:
    """Han surnames by rank, given-name characters, and the error tables built over them."""

    surnames: np.ndarray            # ranked single surnames, then compound surnames
    surname_is_compound: np.ndarray
    given_chars: np.ndarray
    given_lean: np.ndarray          # 'm' / 'f' / 'n'
    homophones: dict[str, tuple[str, ...]]   # char -> other chars of the same toneless pinyin
    shape_alikes: dict[str, tuple[str, ...]]  # char -> hand-listed 形近字


@lru_cache(maxsize=1)
def han_names() -> HanNames:
    surnames = _read_csv("han_surnames.csv")
    ranked = surnames[surnames["rank_2020"] != ""].copy()
    ranked["rank"] = ranked["rank_2020"].astype(int)
    ranked = ranked.sort_values("rank")
    compound = surnames[surnames["type"] == "compound"]
    ordered = pd.concat([ranked[ranked["type"] == "single"], compound])
    given = _read_csv("han_given_chars.csv")
    with resources.files("synthetic.data").joinpath("han_error_chars.txt").open("r", encoding="utf-8") as handle:
        error_chars = "".join(line.strip() for line in handle if not line.startswith("#"))
    pool = list(dict.fromkeys([*given["char"], *ranked["surname"], *error_chars]))
    by_sound: dict[str, list[str]] = {}
    for char in pool:
        by_sound.setdefault(lazy_pinyin(char, style=Style.NORMAL)[0], []).append(char)
    homophones = {
        char: tuple(c for c in by_sound[lazy_pinyin(char, style=Style.NORMAL)[0]] if c != char) for char in pool
    }
    shapes = _read_csv("han_shape_pairs.csv")
    shape_alikes: dict[str, list[str]] = {}
    for a, b in zip(shapes["a"], shapes["b"]):
        shape_alikes.setdefault(a, []).append(b)
        shape_alikes.setdefault(b, []).append(a)
    return HanNames(
        surnames=ordered["surname"].to_numpy(),
        surname_is_compound=(ordered["type"] == "compound").to_numpy(),
        given_chars=given["char"].to_numpy(),
        given_lean=given["lean"].to_numpy(),
        homophones={k: v for k, v in homophones.items() if v},
        shape_alikes={k: tuple(v) for k, v in shape_alikes.items()},
    )


@lru_cache(maxsize=1)
def village_morphemes() -> np.ndarray:
    return _read_csv("village_morphemes.csv")["morpheme"].to_numpy()


@lru_cache(maxsize=1)
def city_places() -> np.ndarray:
    return _read_csv("city_places.csv")["place"].to_numpy()
