"""One roster per source: rows in contract columns (all text), the person behind each row, its file part."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from schemas.contract import EXIT_TYPES, SOURCE_COLUMNS
from synthetic import tables
from synthetic.dates import format_dates
from synthetic.episodes import Appearances
from synthetic.fields import write_births, write_sex
from synthetic.id_noise import write_ids
from synthetic.names import PersonNames, write_names
from synthetic.params import GeneratorParams
from synthetic.places import write_addresses, write_admin_columns
from synthetic.population import Population
from synthetic.rng import choose_per_file, stream

_CHINESE_EXIT = {english: chinese for chinese, english in EXIT_TYPES.items() if chinese != english}
_HOSPITALS = ("西藏自治区人民医院", "拉萨市人民医院", "自治区第二人民医院", "市中医院")


@dataclass
class Roster:
    """A source's rows plus, aligned by position, the true person and the file part of each row."""

    frame: pd.DataFrame
    person: np.ndarray
    part: np.ndarray
    noise: pd.DataFrame   # noise kind per field (None = clean)
    event: np.ndarray     # true event date (intake / encounter / roster date), NaT for poverty rows
    escort_exit: np.ndarray  # station rows that escort or hand over: the true exit date; else NaT


def _common(source: str, persons: np.ndarray, parts: np.ndarray, event_dates: np.ndarray | None,
            population: Population, names: PersonNames, params: GeneratorParams, seed: int,
            age_alongside: float) -> tuple[dict, dict]:
    noise = params.noise[source]
    spelling = choose_per_file(stream(seed, f"{source}-sex-spelling"), noise.sex_formats, parts,
                               params.file_spelling_consistency)
    written_names = write_names(names, persons, noise, stream(seed, f"{source}-names"), params.unknown_name_markers)
    ids = write_ids(population, persons, noise, stream(seed, f"{source}-ids"))
    sex = write_sex(population.sex[persons], spelling, noise, stream(seed, f"{source}-sex"))
    births = write_births(population.birth[persons], event_dates, noise, stream(seed, f"{source}-births"),
                          age_alongside)
    columns = {"name": written_names.text, "sex": sex.text, "id_number": ids.text, "birth_date": births.birth}
    if event_dates is not None:
        columns["age"] = births.age
    kinds = {"name": written_names.kind, "sex": sex.kind, "id_number": ids.kind, "birth_date": births.kind}
    return columns, kinds


def _no_dates(n: int) -> np.ndarray:
    return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")


def _frame(source: str, record_ids: list[str], columns: dict) -> pd.DataFrame:
    data = {"record_id": np.array(record_ids, dtype=object), **columns}
    return pd.DataFrame({c: pd.Series(data[c], dtype=object) for c in SOURCE_COLUMNS[source]})


def _half_year_parts(dates: np.ndarray, label: str) -> np.ndarray:
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    half = np.where((dates.astype("datetime64[M]").astype(np.int64) % 12) < 6, "上", "下")
    keys = np.char.add(np.char.add(years.astype(str), "年"), half.astype(str))
    return _numbered_parts(keys, lambda k: f"{label}_{k}半年")


def _numbered_parts(keys: np.ndarray, title) -> np.ndarray:
    """File stems numbered in first-appearance order, so that sorted file names follow row order."""
    unique, first = np.unique(keys, return_index=True)
    order = unique[np.argsort(first)]
    number = {key: i + 1 for i, key in enumerate(order)}
    return np.array([f"{number[k]:02d}_{title(k)}" for k in keys], dtype=object)


def station_roster(appearances: Appearances, population: Population, names: PersonNames,
                   params: GeneratorParams, seed: int) -> Roster:
    stays = appearances.station
    order = np.lexsort((stays.person, stays.intake))
    persons, intake, exit_day, exit_type = stays.person[order], stays.intake[order], stays.exit[order], stays.exit_type[order]
    rng = stream(seed, "station-rows")
    noise = params.noise["station"]
    parts = _half_year_parts(intake, "救助站登记")
    columns, kinds = _common("station", persons, parts, intake, population, names, params, seed, age_alongside=0.3)
    address = write_addresses(population, persons, noise, stream(seed, "station-address"))
    columns["home_address"] = address.text
    kinds["home_address"] = address.kind
    date_formats = choose_per_file(rng, noise.event_date_formats, parts, params.file_spelling_consistency)
    columns["intake_date"] = format_dates(intake, date_formats)
    columns["exit_date"] = format_dates(exit_day, date_formats)
    english_mix = (("en", params.exit_type_english_share), ("zh", 1 - params.exit_type_english_share))
    english = choose_per_file(rng, english_mix, parts, params.file_spelling_consistency) == "en"
    columns["exit_type"] = np.array([None if t is None else (t if e else _CHINESE_EXIT[t])
                                     for t, e in zip(exit_type, english)], dtype=object)
    columns["destination"] = _destinations(population, persons, exit_type, rng)
    years = intake.astype("datetime64[Y]").astype(np.int64) + 1970
    record_ids = [f"JZ{y}{i + 1:06d}" for i, y in enumerate(years)]
    escorted = np.isin(exit_type, ("escorted_home", "handed_over")) & ~np.isnat(exit_day)
    return Roster(frame=_frame("station", record_ids, columns), person=persons,
                  part=parts, noise=pd.DataFrame(kinds), event=intake,
                  escort_exit=np.where(escorted, exit_day, np.datetime64("NaT")))


def _destinations(population: Population, persons: np.ndarray, exit_type: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    divisions = tables.divisions()
    county = divisions.township_county[population.villages.township[population.village[persons]]]
    picks = rng.integers(0, 1 << 30, len(persons))
    out = np.full(len(persons), None, dtype=object)
    for i, kind in enumerate(exit_type):
        if kind == "escorted_home":
            out[i] = f"护送至{divisions.prefecture_name[county[i]]}{divisions.county_name[county[i]]}"
        elif kind == "handed_over":
            out[i] = f"移交{divisions.county_name[county[i]]}民政局"
        elif kind == "medical":
            out[i] = _HOSPITALS[picks[i] % len(_HOSPITALS)]
    return out


def police_roster(appearances: Appearances, population: Population, names: PersonNames,
                  params: GeneratorParams, seed: int) -> Roster:
    encounters = appearances.police
    order = np.lexsort((encounters.person, encounters.date))
    persons, dates, places = encounters.person[order], encounters.date[order], encounters.place[order]
    rng = stream(seed, "police-rows")
    noise = params.noise["police"]
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    quarters = (dates.astype("datetime64[M]").astype(np.int64) % 12) // 3 + 1
    keys = np.char.add(np.char.add(years.astype(str), "Q"), quarters.astype(str))
    parts = _numbered_parts(keys, lambda k: f"公安移送_{k}")
    columns, kinds = _common("police", persons, parts, dates, population, names, params, seed, age_alongside=0.1)
    address = write_addresses(population, persons, noise, stream(seed, "police-address"))
    columns["home_address"] = address.text
    kinds["home_address"] = address.kind
    columns["event_date"] = format_dates(dates, choose_per_file(rng, noise.event_date_formats, parts,
                                                                params.file_spelling_consistency))
    columns["place"] = tables.city_places()[places].astype(object)
    record_ids = [f"GA{y}{i + 1:07d}" for i, y in enumerate(years)]
    return Roster(frame=_frame("police", record_ids, columns), person=persons,
                  part=parts, noise=pd.DataFrame(kinds), event=dates,
                  escort_exit=_no_dates(len(persons)))


def _prefecture_parts(population: Population, persons: np.ndarray, title: str) -> np.ndarray:
    divisions = tables.divisions()
    county = divisions.township_county[population.villages.township[population.village[persons]]]
    return _numbered_parts(divisions.prefecture_name[county].astype(str), lambda k: f"{k}_{title}")


def _home_order(population: Population, persons: np.ndarray, then: np.ndarray) -> np.ndarray:
    """Rows ordered by prefecture, county, village, then the given key."""
    divisions = tables.divisions()
    village = population.village[persons]
    county = divisions.township_county[population.villages.township[village]]
    return np.lexsort((then, village, county, divisions.prefecture_code[county]))


def village_roster(appearances: Appearances, population: Population, names: PersonNames,
                   params: GeneratorParams, seed: int) -> Roster:
    listings = appearances.village
    order = _home_order(population, listings.person, listings.date.astype(np.int64) * 10_000_000 + listings.person)
    persons, dates = listings.person[order], listings.date[order]
    rng = stream(seed, "village-rows")
    noise = params.noise["village"]
    parts = _prefecture_parts(population, persons, "外出人员名册")
    columns, kinds = _common("village", persons, parts, None, population, names, params, seed, age_alongside=0.0)
    admin = write_admin_columns(population, persons, noise, stream(seed, "village-admin"))
    columns.update(county=admin.county, township=admin.township, village=admin.village)
    kinds["county"] = admin.kind
    household_id = population.household_id[population.household[persons]].copy()
    household_id[rng.random(len(persons)) < params.village_household_id_blank] = None
    columns["household_id"] = household_id
    columns["event_date"] = format_dates(dates, choose_per_file(rng, noise.event_date_formats, parts,
                                                                params.file_spelling_consistency))
    county_code = tables.divisions().county_code[population.county[persons]]
    record_ids = [f"CW{c}{i + 1:06d}" for i, c in enumerate(county_code)]
    return Roster(frame=_frame("village", record_ids, columns), person=persons,
                  part=parts, noise=pd.DataFrame(kinds),
                  event=dates, escort_exit=_no_dates(len(persons)))


def poverty_roster(appearances: Appearances, population: Population, names: PersonNames,
                   params: GeneratorParams, seed: int) -> Roster:
    order = _home_order(population, appearances.poverty_person, appearances.poverty_person)
    persons, status = appearances.poverty_person[order], appearances.poverty_status[order]
    noise = params.noise["poverty"]
    parts = _prefecture_parts(population, persons, "建档立卡")
    columns, kinds = _common("poverty", persons, parts, None, population, names, params, seed, age_alongside=0.0)
    admin = write_admin_columns(population, persons, noise, stream(seed, "poverty-admin"))
    columns.update(county=admin.county, township=admin.township, village=admin.village)
    kinds["county"] = admin.kind
    columns["household_id"] = population.household_id[population.household[persons]].copy()
    columns["relation"] = population.relation[persons].copy()
    columns["poverty_status"] = status.copy()
    record_ids = [f"PK{i + 1:08d}" for i in range(len(persons))]
    return Roster(frame=_frame("poverty", record_ids, columns), person=persons,
                  part=parts, noise=pd.DataFrame(kinds),
                  event=_no_dates(len(persons)), escort_exit=_no_dates(len(persons)))
