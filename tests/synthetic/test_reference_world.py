"""GeneratorParams.reference_heldout(): a world of its own, with the rates its calibration relies on,
and rule baselines near the figures published in issues 3 and 4 (bench.baselines)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from synthetic.generator import SyntheticRosters, generate
from synthetic.params import GeneratorParams
from synthetic.writer import write_contract_folder

N_PERSONS = 20_000
SEED = 23
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reference() -> SyntheticRosters:
    return generate(N_PERSONS, SEED, GeneratorParams.reference_heldout())


def _noise_share(data: SyntheticRosters, source: str, field: str, kind: str) -> float:
    kinds = data.noise.loc[data.noise["source"] == source, field].fillna("")
    return float(kinds.str.split("|").map(lambda parts: kind in parts).mean())


def test_reference_world_is_neither_the_tuning_nor_the_heldout_world() -> None:
    reference = GeneratorParams.reference_heldout()
    for other in (GeneratorParams(), GeneratorParams.heldout()):
        assert reference.county_order_seed != other.county_order_seed
        assert reference.tibetan_component_order_seed != other.tibetan_component_order_seed
        assert (reference.start_date, reference.end_date) != (other.start_date, other.end_date)
        assert reference.writer.format_mix != other.writer.format_mix
        for source in ("station", "police", "village", "poverty"):
            assert reference.noise[source] != other.noise[source], source


def test_reference_rosters_differ_from_the_tuning_world(reference: SyntheticRosters) -> None:
    tuning = generate(N_PERSONS, SEED)
    assert not reference.rosters["station"].equals(tuning.rosters["station"])
    top_reference = reference.persons["name"].value_counts().index[:3].tolist()
    top_tuning = tuning.persons["name"].value_counts().index[:3].tolist()
    assert top_reference != top_tuning


def test_about_half_a_row_per_person(reference: SyntheticRosters) -> None:
    rows = sum(len(frame) for frame in reference.rosters.values())
    assert 0.45 * N_PERSONS < rows < 0.55 * N_PERSONS


def test_city_sources_miss_ids_and_births_the_registry_is_clean(reference: SyntheticRosters) -> None:
    station_missing = _noise_share(reference, "station", "id_number", "missing")
    police_missing = _noise_share(reference, "police", "id_number", "missing")
    assert 0.35 < station_missing < 0.5 and 0.33 < police_missing < 0.47
    assert _noise_share(reference, "poverty", "id_number", "missing") < 0.03
    for source in ("station", "police"):
        assert _noise_share(reference, source, "birth_date", "age_only") > 0.07, source
    assert _noise_share(reference, "police", "birth_date", "age_only") > _noise_share(
        reference, "station", "birth_date", "age_only")


def test_tibetan_names_crowd_on_few_spellings(reference: SyntheticRosters) -> None:
    tibetan = reference.persons.loc[reference.persons["name_kind"] == "tibetan", "name"]
    top_ten_share = tibetan.value_counts().head(10).sum() / len(tibetan)
    tuning = generate(N_PERSONS, SEED).persons
    tuning_tibetan = tuning.loc[tuning["name_kind"] == "tibetan", "name"]
    assert top_ten_share > tuning_tibetan.value_counts().head(10).sum() / len(tuning_tibetan)


def test_rule_baselines_near_the_issue_figures(tmp_path: Path) -> None:
    """bench.baselines as the lead runs it (bench/ is a script folder, not an installed package)."""
    run = subprocess.run([sys.executable, "-m", "bench.baselines", "--persons", str(N_PERSONS), "--seed", str(SEED),
                          "--world", "reference", "--work-dir", str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True, check=True)
    f1 = {line.split("  ")[0].strip(): float(re.search(r"f1=([\d.]+)", line)[1])
          for line in run.stdout.splitlines() if "f1=" in line}
    assert abs(f1["same valid id number"] - 0.56) < 0.04
    assert abs(f1["same written name and birth year"] - 0.64) < 0.05
    assert abs(f1["returns, same-id rule"] - 0.52) < 0.08
    assert abs(f1["poverty list, same-id rule"] - 0.68) < 0.05
    precision = float(re.search(r"same valid id number +f1=[\d.]+ precision=([\d.]+)", run.stdout)[1])
    assert precision > 0.95
