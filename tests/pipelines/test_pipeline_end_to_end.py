"""A real Dagster materialization of the whole graph on a small generated input."""
from __future__ import annotations

import json

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines.files import writers
from pipelines.cli import main
from pipelines.runner import run_pipeline
from pipelines.config import RunConfig
from pipelines.files.ingest import discover_files, read_source
from schemas.contract import CONTRACT_VERSION, PARQUET_VERSION_KEY
from schemas.outputs import OUTPUT_SCHEMAS
from synthetic.generator import generate
from synthetic.writer import write_contract_folder
from synthetic.params import GeneratorParams

PERSONS = 150
SEED = 11


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    input_dir, output_dir = root / "input", root / "output"
    write_contract_folder(generate(PERSONS, SEED, GeneratorParams()), input_dir, SEED)
    config = RunConfig(input_dir=input_dir, output_dir=output_dir)
    result = run_pipeline(config)
    return config, result


def _rows_read(input_dir) -> int:
    return sum(len(read_source(input_dir, source)) for source in discover_files(input_dir))


def test_run_succeeds_and_every_error_check_passes(finished_run):
    _, result = finished_run
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    integrity = ["rows_accounted_for", "record_links_persons_exist", "returns_after_escort",
                 "poverty_matches_point_at_registry", "one_valid_id_number_per_person"]
    assert [name for name in integrity if not evaluations[name].passed] == []
    for source in ("station", "police", "village", "poverty"):
        suite = evaluations[f"quality_suite_{source}"]  # data findings: a warning, never an error
        assert suite.severity == dg.AssetCheckSeverity.WARN
        assert suite.metadata["rows"].value > 0 and suite.metadata["expectations"].value > 0


def test_quality_suites_run_beside_the_linkage_and_the_summary_times_every_step(finished_run):
    config, result = finished_run
    order = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_SUCCESS]
    suites = [order.index(f"records_quality_suite_{source}") for source in ("station", "police", "village", "poverty")]
    assert order.index("persons") < min(suites)        # collected once the linkage is done
    assert max(suites) < order.index("run_summary")
    summary = json.loads((config.output_dir / "run_summary.json").read_text(encoding="utf-8"))
    assert {f"records_quality_suite_{source}" for source in ("station", "police")} <= set(summary["timings_seconds"])


def test_every_contract_file_is_written_with_its_schema_and_version(finished_run):
    config, _ = finished_run
    for file_name, schema in OUTPUT_SCHEMAS.items():
        path = config.output_dir / file_name
        assert pq.read_schema(path).remove_metadata() == schema.remove_metadata(), file_name
        assert pq.read_metadata(path).metadata[PARQUET_VERSION_KEY] == CONTRACT_VERSION.encode()
    summary = json.loads((config.output_dir / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["contract_version"] == CONTRACT_VERSION
    assert (config.output_dir / "report.html").stat().st_size > 0
    assert (config.output_dir / "model.json").exists()
    assert not [p.name for p in config.output_dir.iterdir() if p.name.startswith(".")]


def test_every_input_row_is_linked_or_quarantined(finished_run):
    config, _ = finished_run
    links = pd.read_parquet(config.output_dir / "record_links.parquet")
    quarantine = pd.read_parquet(config.output_dir / "quarantine.parquet")
    assert len(links) + len(quarantine) == _rows_read(config.input_dir)
    assert not links.duplicated(["source", "record_id"]).any()
    assert links["match_probability"].between(0, 1).all()


def test_rerun_on_same_output_keeps_the_person_ids_it_finds_there(finished_run):
    config, _ = finished_run
    before = pd.read_parquet(config.output_dir / "record_links.parquet")
    # ids of an earlier run, told apart from freshly minted ones by their prefix
    earlier = writers.read_person_id_map(config.output_dir)
    earlier["person_id"] = "EARLIER-" + earlier["person_id"]
    writers.write_person_id_map(earlier, config.output_dir)
    assert run_pipeline(config).success
    after = pd.read_parquet(config.output_dir / "record_links.parquet")
    assert (after["person_id"] == "EARLIER-" + before["person_id"]).all()
    persons = pd.read_parquet(config.output_dir / "persons.parquet")
    assert persons["person_id"].str.startswith("EARLIER-").all()


def test_explain_prints_weights_of_a_scored_pair(finished_run, capfd):
    config, _ = finished_run
    pairs = pd.read_parquet(config.output_dir / "match_pairs.parquet")
    top = pairs.sort_values("match_weight", ascending=False).iloc[0]
    code = main(["explain", "--output", str(config.output_dir),
                 f"{top.left_source}:{top.left_record_id}", f"{top.right_source}:{top.right_record_id}"])
    out = capfd.readouterr().out.splitlines()
    assert code == 0
    assert out[-1].split()[-1] == f"{top.match_weight:.3f}"
    assert any(line.startswith("name") for line in out)
