"""generate(): a seeded synthetic world of rosters with truth labels."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from schemas.contract import SOURCES
from synthetic.episodes import simulate_appearances
from synthetic.names import build_names
from synthetic.params import GeneratorParams
from synthetic.population import build_population
from synthetic.quarantine_rows import inject_quarantine
from synthetic.rng import stream
from synthetic.rosters import Roster, police_roster, poverty_roster, station_roster, village_roster

_BUILDERS = {"station": station_roster, "police": police_roster, "village": village_roster, "poverty": poverty_roster}


@dataclass
class SyntheticRosters:
    """Rosters per source and what is true about them.

    truth: one row per roster row, in roster order: source, record_id (as written), person_key,
    expect_quarantine, file_stem (the file the writer puts the row in, without extension),
    row_number (1-based data row in that file).
    returns: one row per escort/hand-over followed by a later station intake or police
    encounter of the same person (contract definition, on rows that are not quarantined).
    noise: one row per roster row (aligned with truth): the noise kind applied to each field.
    persons: one row per simulated person: person_key, household_id, registered name, name_kind
    (tibetan/han), sex (M/F), birth date, id number.
    """

    rosters: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    returns: pd.DataFrame
    noise: pd.DataFrame
    persons: pd.DataFrame


def generate(n_persons: int, seed: int, params: GeneratorParams | None = None) -> SyntheticRosters:
    """Simulate n_persons people and the roster rows (about half as many) that record them."""
    params = params or GeneratorParams()
    population = build_population(n_persons, seed, params)
    names = build_names(population, seed, params)
    appearances = simulate_appearances(population, seed, params)

    rosters: dict[str, pd.DataFrame] = {}
    truth_parts, noise_parts, built = [], [], {}
    for source in SOURCES:
        roster = _BUILDERS[source](appearances, population, names, params, seed)
        roster, expect_quarantine = inject_quarantine(source, roster, params, stream(seed, f"{source}-quarantine"))
        built[source] = (roster, expect_quarantine)
        rosters[source] = roster.frame
        truth_parts.append(pd.DataFrame({
            "source": source,
            "record_id": roster.frame["record_id"].to_numpy(dtype=object),
            "person_key": population.person_key[roster.person],
            "expect_quarantine": expect_quarantine,
            "file_stem": roster.part,
            "row_number": _row_numbers(roster.part),
        }))
        noise_parts.append(roster.noise.assign(source=source, record_id=roster.frame["record_id"].to_numpy(dtype=object)))
    noise = pd.concat(noise_parts, ignore_index=True)
    noise = noise[["source", "record_id", *[c for c in noise.columns if c not in ("source", "record_id")]]]
    noise = noise.astype(object).where(noise.notna(), None)
    persons = pd.DataFrame({
        "person_key": population.person_key,
        "household_id": population.household_id[population.household],
        "name": names.written(),
        "name_kind": np.where(names.tibetan, "tibetan", "han"),
        "sex": np.where(population.sex == 1, "M", "F"),
        "birth_date": population.birth,
        "id_number": population.id18,
    })
    return SyntheticRosters(rosters=rosters, truth=pd.concat(truth_parts, ignore_index=True),
                            returns=_true_returns(built, population.person_key), noise=noise, persons=persons)


def _row_numbers(part: np.ndarray) -> np.ndarray:
    """1-based position of each row inside its file part (rows keep roster order in the file)."""
    codes, _ = pd.factorize(part)
    return pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1


def _true_returns(built: dict[str, tuple[Roster, np.ndarray]], person_key: np.ndarray) -> pd.DataFrame:
    """Each accepted escort's first later accepted station intake or police encounter of the same person."""
    station, station_q = built["station"]
    police, police_q = built["police"]
    city = pd.DataFrame({
        "person": np.concatenate([station.person[~station_q], police.person[~police_q]]),
        "date": np.concatenate([station.event[~station_q], police.event[~police_q]]),
        "source": ["station"] * int((~station_q).sum()) + ["police"] * int((~police_q).sum()),
        "record_id": np.concatenate([station.frame["record_id"].to_numpy(dtype=object)[~station_q],
                                     police.frame["record_id"].to_numpy(dtype=object)[~police_q]]),
    }).sort_values(["date", "source", "record_id"], kind="stable")
    is_escort = ~station_q & ~np.isnat(station.escort_exit)
    escorts = pd.DataFrame({
        "person": station.person[is_escort],
        "escort_record_id": station.frame["record_id"].to_numpy(dtype=object)[is_escort],
        "escort_date": station.escort_exit[is_escort],
    }).sort_values("escort_date", kind="stable")
    escorts["escort_date"] = escorts["escort_date"].astype("datetime64[ns]")
    city["date"] = city["date"].astype("datetime64[ns]")
    matched = pd.merge_asof(escorts, city.rename(columns={"date": "return_date"}), left_on="escort_date",
                            right_on="return_date", by="person", direction="forward", allow_exact_matches=False)
    matched = matched[matched["return_date"].notna()]
    return pd.DataFrame({
        "person_key": person_key[matched["person"].to_numpy()],
        "escort_source": "station",
        "escort_record_id": matched["escort_record_id"].to_numpy(),
        "escort_date": matched["escort_date"].to_numpy(),
        "return_source": matched["source"].to_numpy(),
        "return_record_id": matched["record_id"].to_numpy(),
        "return_date": matched["return_date"].to_numpy(),
        "days_to_return": (matched["return_date"] - matched["escort_date"]).dt.days.to_numpy(),
    }).sort_values(["escort_date", "escort_record_id"], kind="stable").reset_index(drop=True)
