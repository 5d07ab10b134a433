"""Home addresses at any granularity, and county/township/village columns, with former place names."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import tables
from synthetic.params import SourceNoise
from synthetic.population import Population

_GRANULARITY = (("prefecture", 0.08), ("county", 0.3), ("township", 0.3), ("village", 0.25), ("township_only", 0.07))
_PROVINCE = ("西藏自治区", "西藏", "", "", "", "")


@dataclass(frozen=True)
class WrittenPlaces:
    text: np.ndarray
    kind: np.ndarray   # granularity, '|former' when a former name was used; 'blank'


def _names(county: int, use_former: bool, pick: int) -> tuple[str, str, bool]:
    """(prefecture, county) names, former ones when asked and when the county has them."""
    divisions = tables.divisions()
    prefecture = divisions.prefecture_name[county]
    name = divisions.county_name[county]
    former_county = divisions.former_county_names[county]
    former_prefecture = divisions.former_prefecture_names[county]
    if not use_former or not (former_county or former_prefecture):
        return prefecture, name, False
    if former_prefecture:
        prefecture = former_prefecture[pick % len(former_prefecture)]
    if former_county:
        name = former_county[pick % len(former_county)]
    return prefecture, name, True


def write_addresses(population: Population, persons: np.ndarray, noise: SourceNoise,
                    rng: np.random.Generator) -> WrittenPlaces:
    """Free-text home_address for station and police rows."""
    divisions = tables.divisions()
    n = len(persons)
    labels = np.array([g for g, _ in _GRANULARITY], dtype=object)
    weights = np.array([w for _, w in _GRANULARITY])
    granularity = labels[rng.choice(len(labels), size=n, p=weights / weights.sum())]
    blank = rng.random(n) < noise.address_blank
    former = rng.random(n) < noise.address_former_name
    picks = rng.integers(0, 1 << 30, (n, 2))
    village = population.village[persons]
    township = population.villages.township[village]
    county = divisions.township_county[township]
    text = np.empty(n, dtype=object)
    kind = np.empty(n, dtype=object)
    for i in range(n):
        if blank[i]:
            text[i], kind[i] = None, "blank"
            continue
        prefecture, county_name, used_former = _names(int(county[i]), bool(former[i]), int(picks[i, 0]))
        township_name = divisions.township_name[township[i]]
        level = granularity[i]
        if level == "township_only":
            address = township_name
            used_former = False
        else:
            address = _PROVINCE[picks[i, 1] % len(_PROVINCE)] + prefecture
            if level != "prefecture":
                address += county_name
            if level in ("township", "village"):
                address += township_name
            if level == "village":
                address += population.villages.name[village[i]]
        text[i] = address
        kind[i] = level + ("|former" if used_former else "")
    return WrittenPlaces(text=text, kind=kind)


@dataclass(frozen=True)
class WrittenAdmin:
    county: np.ndarray
    township: np.ndarray
    village: np.ndarray
    kind: np.ndarray


def write_admin_columns(population: Population, persons: np.ndarray, noise: SourceNoise,
                        rng: np.random.Generator) -> WrittenAdmin:
    """county / township / village columns of village and poverty rows (suffixes sometimes dropped)."""
    divisions = tables.divisions()
    n = len(persons)
    village = population.village[persons]
    township = population.villages.township[village]
    county = divisions.township_county[township]
    former = rng.random(n) < noise.admin_former_name
    style = rng.random((n, 3))
    picks = rng.integers(0, 1 << 30, n)
    county_text = np.empty(n, dtype=object)
    township_text = np.empty(n, dtype=object)
    village_text = np.empty(n, dtype=object)
    kind = np.empty(n, dtype=object)
    for i in range(n):
        prefecture, county_name, used_former = _names(int(county[i]), bool(former[i]), int(picks[i]))
        county_text[i] = prefecture + county_name if style[i, 0] < 0.05 else county_name
        township_name = divisions.township_name[township[i]]
        if style[i, 1] < 0.1 and township_name[-1] in "乡镇":
            township_name = township_name[:-1]
        village_name = population.villages.name[village[i]]
        if style[i, 2] < 0.1 and village_name.endswith("村"):
            village_name = village_name[:-1]
        township_text[i] = township_name
        village_text[i] = village_name
        kind[i] = "former" if used_former else None
    return WrittenAdmin(county=county_text, township=township_text, village=village_text, kind=kind)
