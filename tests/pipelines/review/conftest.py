"""A finished run on a small synthetic input with at least four pairs in its review queue."""
from pathlib import Path

import pandas as pd
import pytest

from pipelines.benchmarks.demo import write_synthetic_input
from pipelines.config import RunConfig
from pipelines.runner import execute


@pytest.fixture(scope="session")
def review_run(tmp_path_factory) -> Path:
    """The output folder of a run of 600 simulated persons (seed 5) with review floor 0.01 (4 queued pairs)."""
    root = tmp_path_factory.mktemp("review")
    write_synthetic_input(root / "input", persons=600, seed=5)
    output_dir = root / "output"
    execute(RunConfig(input_dir=root / "input", output_dir=output_dir, review_floor=0.01), verbose=False)
    assert len(pd.read_parquet(output_dir / "review_queue.parquet")) >= 4
    return output_dir


@pytest.fixture
def finished_run(review_run, tmp_path) -> Path:
    """A copy of the run's output folder for one test (its own decisions store)."""
    import shutil

    copy = tmp_path / "output"
    shutil.copytree(review_run, copy)
    return copy
