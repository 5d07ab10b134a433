"""Decisions bind the next real run: same joins, different keeps apart (also against chains),
decided pairs leave the review queue, contradictions are reported, nothing leaks to metadata."""
from __future__ import annotations

import json
import stat
import subprocess
import sys

import pandas as pd
import pytest

from pipelines.config import RunConfig
from pipelines.runner import run_pipeline
from synthetic.generator import generate
from synthetic.params import GeneratorParams
from synthetic.writer import write_contract_folder

PERSONS, SEED = 120, 5
HEADER = "left_source,left_record_id,right_source,right_record_id,decision,reviewer,decided_at,note\n"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True)


def _links(output):
    return pd.read_parquet(output / "record_links.parquet")


def _person(links, source, record_id):
    return links.loc[(links["source"] == source) & (links["record_id"] == record_id), "person_id"].item()


@pytest.fixture(scope="module")
def decided_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("decisions")
    input_dir, output = root / "input", root / "output"
    write_contract_folder(generate(PERSONS, SEED, GeneratorParams()), input_dir, SEED)
    config = RunConfig(input_dir=input_dir, output_dir=output)
    assert run_pipeline(config).success
    links = _links(output)
    sizes = links["person_id"].value_counts()
    big = links[links["person_id"] == sizes.index[0]].sort_values(["source", "record_id"])
    assert len(big) >= 3
    apart_a = links[links["person_id"] == sizes.index[1]].iloc[0]
    apart_b = links[links["person_id"] == sizes.index[2]].iloc[0]
    first, last = big.iloc[0], big.iloc[-1]
    rows = [(apart_a, apart_b, "same"), (first, last, "different")]
    csv_path = root / "decisions.csv"
    csv_path.write_text(HEADER + "".join(
        f"{a.source},{a.record_id},{b.source},{b.record_id},{kind},worker1,,\n" for a, b, kind in rows),
        encoding="utf-8")
    imported = _cli("decisions", "import", "--output", str(output), str(csv_path))
    assert imported.returncode == 0, imported.stderr
    result = run_pipeline(config)
    assert result.success
    return output, rows, big, result


def test_same_joins_and_different_keeps_apart_in_the_next_run(decided_runs):
    output, rows, big, _ = decided_runs
    links = _links(output)
    (a, b, _), (first, last, _) = rows
    assert _person(links, a.source, a.record_id) == _person(links, b.source, b.record_id)
    assert _person(links, first.source, first.record_id) != _person(links, last.source, last.record_id)
    summary = json.loads((output / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["decisions"]["binding_same"] == 1 and summary["decisions"]["binding_different"] == 1


def test_decided_pairs_are_not_in_the_review_queue(decided_runs):
    output, rows, _, _ = decided_runs
    queue = pd.read_parquet(output / "review_queue.parquet")
    for a, b, _ in rows:
        for x, y in ((a, b), (b, a)):
            assert not ((queue["left_source"] == x.source) & (queue["left_record_id"] == x.record_id)
                        & (queue["right_source"] == y.source) & (queue["right_record_id"] == y.record_id)).any()


def test_store_is_private_and_decisions_stay_out_of_metadata(decided_runs):
    output, rows, _, result = decided_runs
    store = output / ".rosterlink" / "decisions.sqlite"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    metadata = " ".join(str(m.metadata) for m in result.get_asset_materialization_events()
                        for m in [m.event_specific_data.materialization])
    for a, b, _ in rows:
        assert f"{a.source}:{a.record_id}" not in metadata and "worker1" not in metadata
        assert str(a.record_id) not in metadata


def test_a_bad_csv_row_is_refused_with_its_row_and_nothing_is_imported(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "station,S1,police,P1,same,w,,\n" + "station,S2,police,P2,maybe,w,,\n",
                    encoding="utf-8")
    done = _cli("decisions", "import", "--output", str(tmp_path / "out"), str(path))
    assert done.returncode == 1
    assert "row 3" in done.stderr and "decision" in done.stderr
    listed = _cli("decisions", "list", "--output", str(tmp_path / "out"))
    assert "decisions in force: 0" in listed.stdout
    exported = tmp_path / "export.csv"
    assert _cli("decisions", "export", "--output", str(tmp_path / "out"), str(exported)).returncode == 0
    assert exported.read_text(encoding="utf-8").splitlines()[0] == HEADER.strip()
