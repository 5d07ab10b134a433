"""The simulated population: households in Tibetan villages, people, birth dates, sex, id numbers."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import tables
from synthetic.id_numbers import check_characters, unique_sequence_numbers
from synthetic.params import GeneratorParams
from synthetic.rng import stream, zipf_weights

MALE, FEMALE = 1, 2
DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Villages:
    """Synthetic villages: names made from place-name morphemes, numbered within townships."""

    township: np.ndarray   # township number per village
    name: np.ndarray
    seq: np.ndarray        # 1-based number inside its township


@dataclass(frozen=True)
class Population:
    """One row per person (arrays aligned by person number) plus household and village tables."""

    person_key: np.ndarray
    household: np.ndarray          # household number per person
    relation: np.ndarray           # 户主, 配偶, 之子, ...
    sex: np.ndarray                # 1 male, 2 female
    birth: np.ndarray              # datetime64[D]
    village: np.ndarray            # village number per person (home)
    id18: np.ndarray               # the person's true 18-character id number
    id15: np.ndarray               # the legacy 15-digit form (area + yymmdd + sequence)
    registration_county: np.ndarray  # county number of first registration
    household_start: np.ndarray    # first person number of each household
    household_size: np.ndarray
    household_id: np.ndarray       # registry household number per household
    household_tibetan: np.ndarray  # bool per household
    villages: Villages

    @property
    def county(self) -> np.ndarray:
        return tables.divisions().township_county[self.villages.township[self.village]]

    @property
    def township(self) -> np.ndarray:
        return self.villages.township[self.village]


def _villages(params: GeneratorParams, seed: int) -> Villages:
    rng = stream(seed, "villages")
    divisions = tables.divisions()
    morphemes = tables.village_morphemes()
    low, high = params.villages_per_township
    counts = rng.integers(low, high + 1, size=len(divisions.township_code))
    names: list[str] = []
    for township, count in enumerate(counts):
        street = divisions.township_name[township].endswith("街道")
        suffix = "居委会" if street else "村"
        picks = rng.choice(len(morphemes) ** 2, size=count, replace=False)
        names.extend(morphemes[p // len(morphemes)] + morphemes[p % len(morphemes)] + suffix for p in picks)
    township_of = np.repeat(np.arange(len(counts)), counts)
    seq = np.concatenate([np.arange(1, c + 1) for c in counts])
    return Villages(township=township_of, name=np.array(names, dtype=object), seq=seq)


def _household_villages(params: GeneratorParams, seed: int, villages: Villages, n_households: int) -> np.ndarray:
    rng = stream(seed, "household-villages")
    divisions = tables.divisions()
    n_counties = len(divisions.county_code)
    order = np.arange(n_counties)
    stream(params.county_order_seed, "county-order").shuffle(order)
    county_weight = np.empty(n_counties)
    county_weight[order] = zipf_weights(n_counties, params.county_zipf)
    village_county = divisions.township_county[villages.township]
    villages_in_county = np.bincount(village_county, minlength=n_counties)
    village_weight = county_weight[village_county] / villages_in_county[village_county]
    return rng.choice(len(villages.township), size=n_households, p=village_weight / village_weight.sum())


def _birth_dates(rng: np.random.Generator, relation_code: np.ndarray, household: np.ndarray,
                 household_start: np.ndarray, end: np.datetime64) -> np.ndarray:
    """Head 20-85 years old at the end date; spouse near the head; children 18-42 years younger."""
    head_age_years = _truncated_normal(rng, 46, 13, 20, 85, len(household_start))
    head_birth = end - (head_age_years * 365.25).astype(np.int64) * DAY
    base = head_birth[household]
    offset_years = np.select(
        [relation_code == 0, relation_code == 1, relation_code == 2, relation_code == 3],
        [np.zeros(len(household)), rng.normal(1.5, 4, len(household)), rng.uniform(18, 42, len(household)),
         -rng.uniform(20, 34, len(household))],
    )
    birth = base + (offset_years * 365.25).astype(np.int64) * DAY
    latest = end - rng.integers(30, 3650, len(household)) * DAY
    birth = np.minimum(birth, latest)
    earliest = end - rng.integers(88 * 365, 96 * 365, len(household)) * DAY
    return np.maximum(birth, earliest)


def _truncated_normal(rng: np.random.Generator, mean: float, sd: float, low: float, high: float,
                      size: int) -> np.ndarray:
    """Normal draws redrawn until inside [low, high] (clipping would pile people on one birth date)."""
    values = rng.normal(mean, sd, size)
    outside = (values < low) | (values > high)
    while outside.any():
        values[outside] = rng.normal(mean, sd, int(outside.sum()))
        outside = (values < low) | (values > high)
    return values


def _relations(rng: np.random.Generator, position: np.ndarray, size_of: np.ndarray) -> np.ndarray:
    """Relation code: 0 head, 1 spouse, 2 child, 3 parent of the head."""
    code = np.full(len(position), 2, dtype=np.int8)
    code[position == 0] = 0
    spouse = (position == 1) & (rng.random(len(position)) < 0.82)
    code[spouse] = 1
    parent = (position == size_of - 1) & (size_of >= 4) & (rng.random(len(position)) < 0.18)
    code[parent] = 3
    return code


def _sexes(rng: np.random.Generator, relation_code: np.ndarray, household: np.ndarray,
           household_start: np.ndarray) -> np.ndarray:
    sex = np.where(rng.random(len(relation_code)) < 0.5, MALE, FEMALE).astype(np.int8)
    head_sex = np.where(rng.random(len(household_start)) < 0.78, MALE, FEMALE).astype(np.int8)
    sex[relation_code == 0] = head_sex
    spouse = relation_code == 1
    sex[spouse] = np.where(head_sex[household[spouse]] == MALE, FEMALE, MALE)
    return sex


def _relation_labels(relation_code: np.ndarray, sex: np.ndarray) -> np.ndarray:
    labels = np.empty(len(sex), dtype=object)
    labels[relation_code == 0] = "户主"
    labels[relation_code == 1] = "配偶"
    labels[(relation_code == 2) & (sex == MALE)] = "之子"
    labels[(relation_code == 2) & (sex == FEMALE)] = "之女"
    labels[(relation_code == 3) & (sex == MALE)] = "之父"
    labels[(relation_code == 3) & (sex == FEMALE)] = "之母"
    return labels


def _area_code_table() -> np.ndarray:
    """Area code of each current county for first-registration years 1900..2030 (former codes by year)."""
    divisions = tables.divisions()
    years = np.arange(1900, 2031)
    table = np.empty((len(divisions.county_code), len(years)), dtype=object)
    for county, current in enumerate(divisions.county_code):
        table[county, :] = current
        for old_code, valid_from, valid_to in reversed(divisions.former_codes[county]):
            table[county, (years >= valid_from) & (years <= valid_to)] = old_code
        earliest = divisions.former_codes[county][0] if divisions.former_codes[county] else None
        if earliest is not None:
            table[county, years < earliest[1]] = earliest[0]
    return table


def _id_numbers(rng: np.random.Generator, params: GeneratorParams, home_county: np.ndarray,
                birth: np.ndarray, sex: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True 18-digit ids, their legacy 15-digit forms and the county of first registration."""
    n = len(birth)
    n_counties = len(tables.divisions().county_code)
    moved = rng.random(n) < params.moved_registration_share
    registration_county = np.where(moved, rng.integers(0, n_counties, n), home_county)
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    registration_year = np.maximum(birth_year, 1985 + rng.integers(0, 7, n))
    area = _area_code_table()[registration_county, np.clip(registration_year, 1900, 2030) - 1900]
    years, months, days = (birth.astype("datetime64[Y]").astype(np.int64) + 1970,
                           birth.astype("datetime64[M]").astype(np.int64) % 12 + 1,
                           (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1)
    area_number = area.astype(np.int64)
    ymd = years * 10_000 + months * 100 + days
    sequence = unique_sequence_numbers(rng, area_number * 100_000_000 + ymd, sex == MALE)
    body = (area_number * 100_000_000 + ymd) * 1000 + sequence
    body_text = body.astype("U17")
    id18 = np.char.add(body_text, check_characters(body_text)).astype(object)
    legacy = (area_number * 1_000_000 + ymd % 1_000_000) * 1000 + sequence
    id15 = legacy.astype("U15").astype(object)
    return id18, id15, registration_county


def build_population(n_persons: int, seed: int, params: GeneratorParams) -> Population:
    """People in households of 1-7 members, drawn until n_persons people exist."""
    rng = stream(seed, "population")
    sizes_p = np.asarray(params.household_size_weights, dtype=float)
    sizes = rng.choice(np.arange(1, len(sizes_p) + 1), size=n_persons, p=sizes_p / sizes_p.sum())
    cumulative = np.cumsum(sizes)
    n_households = int(np.searchsorted(cumulative, n_persons) + 1)
    sizes = sizes[:n_households].copy()
    sizes[-1] -= int(cumulative[n_households - 1] - n_persons)
    household_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    household = np.repeat(np.arange(n_households), sizes)
    position = np.arange(n_persons) - household_start[household]
    size_of = sizes[household]

    relation_code = _relations(rng, position, size_of)
    sex = _sexes(rng, relation_code, household, household_start)
    end = np.datetime64(params.end_date, "D")
    birth = _birth_dates(rng, relation_code, household, household_start, end)

    villages = _villages(params, seed)
    household_village = _household_villages(params, seed, villages, n_households)
    village = household_village[household]
    home_county = tables.divisions().township_county[villages.township[village]]
    id18, id15, registration_county = _id_numbers(rng, params, home_county, birth, sex)

    household_tibetan = stream(seed, "ethnic-names").random(n_households) < params.tibetan_share
    return Population(
        person_key=np.array([f"P{i:07d}" for i in range(n_persons)], dtype=object),
        household=household,
        relation=_relation_labels(relation_code, sex),
        sex=sex,
        birth=birth,
        village=village,
        id18=id18,
        id15=id15,
        registration_county=registration_county,
        household_start=household_start,
        household_size=sizes,
        household_id=_household_ids(household_village, villages),
        household_tibetan=household_tibetan,
        villages=villages,
    )


def _household_ids(household_village: np.ndarray, villages: Villages) -> np.ndarray:
    """Registry household number: township code (9) + village number (3) + household number (4)."""
    divisions = tables.divisions()
    order = np.argsort(household_village, kind="stable")
    sorted_villages = household_village[order]
    first = np.searchsorted(sorted_villages, sorted_villages, side="left")
    number_in_village = np.empty(len(household_village), dtype=np.int64)
    number_in_village[order] = np.arange(len(order)) - first + 1
    township_code = divisions.township_code[villages.township[household_village]]
    return np.array([f"{t}{v:03d}{h:04d}" for t, v, h in
                     zip(township_code, villages.seq[household_village], number_in_village)], dtype=object)
