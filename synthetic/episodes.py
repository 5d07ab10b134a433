"""Who appears in which roster and when: poverty households, mobile people's station stays,
escorts home and returns, police encounters, and village rosters of residents away from home."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import tables
from synthetic.dates import age_at
from synthetic.params import GeneratorParams
from synthetic.population import MALE, Population
from synthetic.rng import choose, stream, weighted_sample, zipf_weights

_MAX_ROUNDS = 80


@dataclass(frozen=True)
class StationStays:
    person: np.ndarray
    intake: np.ndarray      # datetime64[D]
    exit: np.ndarray        # datetime64[D], NaT while still in the station
    exit_type: np.ndarray   # canonical English exit type, None while still in


@dataclass(frozen=True)
class Encounters:
    """Police encounters, or village roster listings (place = -1)."""

    person: np.ndarray
    date: np.ndarray
    place: np.ndarray


@dataclass(frozen=True)
class Appearances:
    poverty_person: np.ndarray
    poverty_status: np.ndarray      # per poverty row
    station: StationStays
    police: Encounters
    village: Encounters
    mobile: np.ndarray              # person numbers of people who come to the city


def _days(date: str) -> int:
    return int(np.datetime64(date, "D").astype(np.int64))


def _lognormal_days(rng: np.random.Generator, median: float, sigma: float, size: int) -> np.ndarray:
    return np.maximum(1, np.round(rng.lognormal(np.log(median), sigma, size))).astype(np.int64)


def _poverty(population: Population, seed: int, params: GeneratorParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = stream(seed, "poverty")
    n_households = len(population.household_start)
    chosen = weighted_sample(rng, np.ones(n_households), int(round(params.poverty_household_share * n_households)))
    status = choose(rng, params.poverty_status_mix, len(chosen))
    poor = np.zeros(n_households, dtype=bool)
    poor[chosen] = True
    persons = np.flatnonzero(poor[population.household])
    status_by_household = np.empty(n_households, dtype=object)
    status_by_household[chosen] = status
    return persons, status_by_household[population.household[persons]], poor


def _mobile(population: Population, poor_household: np.ndarray, seed: int, params: GeneratorParams) -> np.ndarray:
    rng = stream(seed, "mobile")
    start = np.datetime64(params.start_date, "D")
    age = age_at(population.birth, np.full(len(population.birth), start))
    low, high = params.mobile_age_range
    weight = ((age >= low) & (age <= high)).astype(float)
    weight *= np.where(poor_household[population.household], params.mobile_weight_poor, 1.0)
    weight *= np.where(population.sex == MALE, params.mobile_weight_male, 1.0)
    return weighted_sample(rng, weight, int(round(params.mobile_share * len(weight))))


def _city_episodes(mobile: np.ndarray, seed: int, params: GeneratorParams) -> tuple[StationStays, Encounters]:
    """Stays and encounters of mobile people, round by round: each sighting may lead to the next."""
    rng = stream(seed, "episodes")
    start, end = _days(params.start_date), _days(params.end_date)
    n_places = len(tables.city_places())
    place_weights = zipf_weights(n_places, 0.8)
    person = mobile.copy()
    when = rng.integers(start, end + 1, len(person))
    at_station = rng.random(len(person)) < params.next_is_station
    station_parts: list[tuple[np.ndarray, ...]] = []
    police_parts: list[tuple[np.ndarray, ...]] = []
    exit_labels = np.array([label for label, _ in params.exit_type_mix], dtype=object)
    exit_weights = np.array([w for _, w in params.exit_type_mix])
    for _ in range(_MAX_ROUNDS):
        if len(person) == 0:
            break
        n = len(person)
        stay = _lognormal_days(rng, params.stay_median_days, params.stay_sigma, n)
        exit_day = when + stay
        exit_type = exit_labels[rng.choice(len(exit_labels), size=n, p=exit_weights / exit_weights.sum())]
        still_in = at_station & (exit_day > end)
        escorted = at_station & ~still_in & np.isin(exit_type, ("escorted_home", "handed_over"))
        s = at_station
        station_parts.append((person[s], when[s], np.where(still_in[s], -1, exit_day[s]),
                              np.where(still_in[s], None, exit_type[s])))
        police = ~at_station
        police_parts.append((person[police], when[police], rng.choice(n_places, size=int(police.sum()), p=place_weights)))

        referred = police & (rng.random(n) < params.police_referral_probability)
        returns = escorted & (rng.random(n) < params.return_probability)
        carries_on = ~escorted & ~still_in & ~referred & (rng.random(n) < params.continue_probability)
        return_delay = params.return_delay_min_days + _lognormal_days(
            rng, params.return_delay_median_days, params.return_delay_sigma, n)
        continue_delay = _lognormal_days(rng, params.continue_delay_median_days, 1.0, n)
        base = np.where(at_station, exit_day, when)
        next_when = np.select([referred, returns, carries_on],
                              [when + rng.integers(0, 3, n), base + return_delay, base + continue_delay], -1)
        next_station = referred | (rng.random(n) < params.next_is_station)
        keep = (next_when >= 0) & (next_when <= end)
        person, when, at_station = person[keep], next_when[keep], next_station[keep]

    def stack(parts: list[tuple[np.ndarray, ...]], k: int) -> np.ndarray:
        return np.concatenate([p[k] for p in parts]) if parts else np.array([])

    day = np.dtype("datetime64[D]")
    exit_days = stack(station_parts, 2).astype(np.int64)
    stays = StationStays(
        person=stack(station_parts, 0).astype(np.int64),
        intake=stack(station_parts, 1).astype(np.int64).astype(day),
        exit=np.where(exit_days < 0, np.datetime64("NaT"), exit_days.astype(day)),
        exit_type=stack(station_parts, 3).astype(object),
    )
    encounters = Encounters(person=stack(police_parts, 0).astype(np.int64),
                            date=stack(police_parts, 1).astype(np.int64).astype(day),
                            place=stack(police_parts, 2).astype(np.int64))
    return stays, encounters


def _extra_police(population: Population, mobile: np.ndarray, seed: int, params: GeneratorParams) -> Encounters:
    """People met once by the police who never reach the station."""
    rng = stream(seed, "police-extra")
    start = np.datetime64(params.start_date, "D")
    age = age_at(population.birth, np.full(len(population.birth), start))
    weight = (age >= 16).astype(float)
    weight[mobile] = 0.0
    persons = weighted_sample(rng, weight, int(round(params.police_extra_share * len(weight))))
    dates = rng.integers(_days(params.start_date), _days(params.end_date) + 1, len(persons))
    n_places = len(tables.city_places())
    return Encounters(person=persons, date=dates.astype("datetime64[D]"),
                      place=rng.choice(n_places, size=len(persons), p=zipf_weights(n_places, 0.8)))


def _village_rosters(population: Population, mobile: np.ndarray, seed: int, params: GeneratorParams) -> Encounters:
    """Each reporting village lists its residents away from home on a few roster dates."""
    rng = stream(seed, "village-rosters")
    n_villages = len(population.villages.township)
    reporting = rng.random(n_villages) < params.reporting_village_share
    low, high = params.roster_dates_per_village
    n_dates = rng.integers(low, high + 1, n_villages)
    start, end = _days(params.start_date), _days(params.end_date)
    roster_dates = [np.sort(rng.integers(start, end + 1, k)) for k in n_dates]

    age = age_at(population.birth, np.full(len(population.birth), np.datetime64(params.end_date, "D")))
    migrant = (age >= 18) & (age <= 60) & (rng.random(len(age)) < params.migrant_worker_share)
    away = migrant.copy()
    away[mobile] = True
    away &= reporting[population.village]
    persons = np.flatnonzero(away)
    counts = n_dates[population.village[persons]]
    listed_person = np.repeat(persons, counts)
    dates = np.concatenate([roster_dates[v] for v in population.village[persons]]) if len(persons) else np.array([])
    keep = rng.random(len(listed_person)) < params.roster_listing_probability
    return Encounters(person=listed_person[keep], date=dates[keep].astype(np.int64).astype("datetime64[D]"),
                      place=np.full(int(keep.sum()), -1))


def simulate_appearances(population: Population, seed: int, params: GeneratorParams) -> Appearances:
    poverty_person, poverty_status, poor_household = _poverty(population, seed, params)
    mobile = _mobile(population, poor_household, seed, params)
    stays, encounters = _city_episodes(mobile, seed, params)
    extra = _extra_police(population, mobile, seed, params)
    police = Encounters(person=np.concatenate([encounters.person, extra.person]),
                        date=np.concatenate([encounters.date, extra.date]),
                        place=np.concatenate([encounters.place, extra.place]))
    return Appearances(poverty_person=poverty_person, poverty_status=poverty_status, station=stays,
                       police=police, village=_village_rosters(population, mobile, seed, params), mobile=mobile)
