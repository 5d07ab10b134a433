"""The demo data: synthetic rosters with their truth as a contract input folder (`rosterlink demo`,
`generate`), and the demo benchmark, the whole pipeline on them scored against that truth."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from pipelines.config import RunConfig
from pipelines.run import RunError, normalized_from_input

TRUTH_FILE = "truth.csv"


def write_synthetic_input(input_dir: Path, persons: int, seed: int, world: str = "train",
                          truth: Path | None = None) -> tuple[int, Path]:
    """Synthetic rosters of a generator world (synthetic.params.WORLDS) as a contract input
    folder, and truth.csv (default beside the folder).

    Returns the number of roster rows and the truth path.
    """
    from synthetic.generator import generate
    from synthetic.params import world_params
    from synthetic.writer import write_contract_folder, write_truth

    params = world_params(world)
    data = generate(persons, seed, params)
    write_contract_folder(data, input_dir, seed, params.writer)
    truth = truth or input_dir.resolve().parent / TRUTH_FILE
    write_truth(data, truth)
    return sum(len(frame) for frame in data.rosters.values()), truth


def demo_benchmark(persons: int, seed: int, world: str = "train") -> dict:
    """The whole pipeline on synthetic rosters, scored against their truth (pipelines.benchmarks.loaders.score_demo)."""
    from pipelines.benchmarks.loaders import score_demo
    from pipelines.runner import execute

    with tempfile.TemporaryDirectory(prefix="rosterlink-benchmark-") as scratch:
        input_dir, output_dir = Path(scratch) / "input", Path(scratch) / "output"
        truth = pd.read_csv(write_synthetic_input(input_dir, persons, seed, world)[1], dtype=str,
                            keep_default_na=False)
        started = time.perf_counter()
        execute(RunConfig(input_dir=input_dir, output_dir=output_dir), verbose=False)
        seconds = time.perf_counter() - started
        links = pd.read_parquet(output_dir / "record_links.parquet",
                                columns=["source", "record_id", "person_id", "match_probability"])
        normalized = normalized_from_input(input_dir)
    try:
        scores = score_demo(normalized, links, truth)
    except ValueError as error:
        raise RunError(str(error)) from None
    return {**scores, "seconds": seconds}
