"""Run integrity: runs killed (SIGKILL) at random moments leave one completed run's set, a second
run on a folder in use refuses with one line, forked children die with their run."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipelines.files.runs import current_run_id, run_ids
from synthetic.generator import generate
from synthetic.params import GeneratorParams
from synthetic.writer import write_contract_folder

PERSONS = 300
SEED = 23
KILLS = 4
CONTRACT_SET = {"record_links.parquet", "persons.parquet", "returns.parquet", "poverty_matches.parquet",
                "match_pairs.parquet", "review_queue.parquet", "quarantine.parquet", "person_id_map.parquet",
                "run_summary.json"}


def _run_command(input_dir: Path, output_dir: Path) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "run", "--input", str(input_dir), "--output", str(output_dir)]


def _start(input_dir: Path, output_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(_run_command(input_dir, output_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _processes_of(output_dir: Path) -> list[int]:
    """Live processes whose command line names this output folder (a forked child keeps its parent's)."""
    needle = str(output_dir).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if needle in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def _assert_one_consistent_set(output_dir: Path) -> str:
    """Every contract file carries one run id, and record_links, person_id_map and persons agree."""
    ids = run_ids(output_dir)
    assert CONTRACT_SET <= set(ids)
    assert len(set(ids.values())) == 1 and None not in ids.values(), ids
    links = pd.read_parquet(output_dir / "record_links.parquet")
    persons = pd.read_parquet(output_dir / "persons.parquet")
    mapping = pd.read_parquet(output_dir / "person_id_map.parquet")
    assert set(links["person_id"]) == set(persons["person_id"])
    keyed = dict(zip(mapping["record_key"], mapping["person_id"]))
    link_keys = links["source"] + ":" + links["record_id"]
    assert [keyed.get(key) for key in link_keys] == links["person_id"].tolist()
    return next(iter(ids.values()))


@pytest.fixture(scope="module")
def input_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("integrity") / "input"
    write_contract_folder(generate(PERSONS, SEED, GeneratorParams()), folder, SEED)
    return folder


def test_runs_killed_at_random_moments_leave_one_completed_runs_set(input_dir, tmp_path):
    output_dir = tmp_path / "output"
    started = time.monotonic()
    first = subprocess.run(_run_command(input_dir, output_dir), capture_output=True, text=True)
    duration = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    earlier = _assert_one_consistent_set(output_dir)
    rng = random.Random(SEED)
    for n in range(KILLS):
        run = _start(input_dir, output_dir)
        time.sleep(duration * (n + rng.random()) / KILLS)  # spread over the run, start to end
        run.send_signal(signal.SIGKILL)  # the parent only: its children must die with it
        run.communicate()
        deadline = time.monotonic() + 5
        while _processes_of(output_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_of(output_dir) == []
        now = _assert_one_consistent_set(output_dir)
        assert now == current_run_id(output_dir)
        earlier = now
    last = subprocess.run(_run_command(input_dir, output_dir), capture_output=True, text=True)
    assert last.returncode == 0, last.stderr
    assert _assert_one_consistent_set(output_dir) != earlier
    state = output_dir / ".rosterlink"
    assert list((state / "staging").iterdir()) == []  # the killed runs' leftovers are gone
    assert not [p.name for p in output_dir.iterdir() if p.name.endswith(".tmp")]


def test_a_second_run_on_a_folder_in_use_refuses_with_one_line(input_dir, tmp_path):
    output_dir = tmp_path / "output"
    first = _start(input_dir, output_dir)
    staging = output_dir / ".rosterlink" / "staging"
    deadline = time.monotonic() + 60
    while not (staging.is_dir() and any(staging.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.poll() is None
    second = subprocess.run(_run_command(input_dir, output_dir), capture_output=True, text=True, timeout=60)
    still_running = first.poll() is None
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert still_running
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "in use by another rosterlink run" in lines[0], lines
    assert second.stdout == ""
    _assert_one_consistent_set(output_dir)


def test_a_stale_lock_of_a_dead_process_is_taken_over(input_dir, tmp_path):
    output_dir = tmp_path / "output"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from pipelines.files.lock import output_lock\n"
        "with output_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(600)\n"), str(output_dir)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    refused = subprocess.run(_run_command(input_dir, output_dir), capture_output=True, text=True)
    assert refused.returncode == 1 and f"(pid {holder.pid})" in refused.stderr
    assert sorted(p.name for p in output_dir.iterdir()) == [".rosterlink"]  # it touched nothing
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    taken = subprocess.run(_run_command(input_dir, output_dir), capture_output=True, text=True)
    assert taken.returncode == 0, taken.stderr
    _assert_one_consistent_set(output_dir)
