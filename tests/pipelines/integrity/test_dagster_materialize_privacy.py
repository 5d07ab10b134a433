"""`dagster asset materialize` of the whole job (multiprocess executor): nothing personal under
DAGSTER_HOME, nothing in the output folder readable by other users, no input value in model.json."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd

from pipelines.files.ingest import discover_files, read_source
from pipelines.files.runs import run_ids
from schemas.contract import UNKNOWN_NAME_MARKERS
from synthetic.generator import generate
from synthetic.params import GeneratorParams
from synthetic.writer import write_contract_folder

PERSONS = 80
SEED = 31
REPO = Path(__file__).resolve().parents[3]


def _markers(input_dir: Path) -> set[str]:
    """Input names (2+ characters) and id numbers (15+), as in test_no_personal_data_in_logs."""
    raw = pd.concat([read_source(input_dir, source) for source in discover_files(input_dir)], ignore_index=True)
    names = {v for v in raw["name"].dropna().astype(str).str.strip() if len(v) >= 2 and v not in UNKNOWN_NAME_MARKERS}
    ids = {v for v in raw["id_number"].dropna().astype(str).str.strip() if len(v) >= 15}
    return names | ids


def test_materialize_keeps_intermediates_private_and_outputs_owner_only(tmp_path):
    input_dir, output_dir, home = tmp_path / "input", tmp_path / "output", tmp_path / "dagster_home"
    write_contract_folder(generate(PERSONS, SEED, GeneratorParams()), input_dir, SEED)
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home), "ROSTERLINK_INPUT": str(input_dir),
           "ROSTERLINK_OUTPUT": str(output_dir), "DAGSTER_DISABLE_TELEMETRY": "1", "PYTHONPATH": str(REPO)}
    dagster = Path(sys.executable).with_name("dagster")
    done = subprocess.run([str(dagster), "asset", "materialize", "-m", "pipelines.definitions", "--select", "*"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    markers = [m.encode() for m in _markers(input_dir)]
    assert len(markers) > 50
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files  # the run really used this DAGSTER_HOME
    leaked = sum(1 for path in files for marker in markers if marker in path.read_bytes())
    assert leaked == 0, f"{leaked} input values found under DAGSTER_HOME"
    model = (output_dir / "model.json").read_bytes()
    assert sum(1 for marker in markers if marker in model) == 0
    readable = [p for p in [output_dir, *output_dir.rglob("*")]
                if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert readable == [], [str(p.relative_to(output_dir)) for p in readable]
    assert len(set(run_ids(output_dir).values())) == 1
