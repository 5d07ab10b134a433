"""link(df, settings): block, compare, train, score and cluster one table."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from linkage.engine.blocking import candidate_pairs
from linkage.engine.clustering import ClusterStats, cluster
from linkage.engine.levels import column_cache, comparison_levels
from linkage.engine.fs import FSModel, fit, weights_from_evidence
from linkage.engine.parallel import CHUNKS, in_parallel
from linkage.engine.settings import LinkageSettings
from linkage.engine.timing import StageTimer
from schemas.outputs import level_column


@dataclass
class LinkageResult:
    """Scored pairs (at or above settings.pairs_floor), the model, labels and run statistics."""

    pairs: pd.DataFrame
    model: FSModel
    labels: np.ndarray
    stats: dict = field(default_factory=dict)


def pairs_frame(left: np.ndarray, right: np.ndarray, levels: np.ndarray, weight: np.ndarray,
                probability: np.ndarray, settings: LinkageSettings) -> pd.DataFrame:
    """left, right (int64), one ``<name>_level`` column per comparison, match_weight,
    match_probability."""
    frame = pd.DataFrame({"left": left.astype(np.int64), "right": right.astype(np.int64)})
    for k, comparison in enumerate(settings.comparisons):
        frame[level_column(comparison.name)] = levels[:, k]
    frame["match_weight"] = weight
    frame["match_probability"] = probability
    return frame


def weights_in_place(model: FSModel, pair_evidence: np.ndarray,
                     chunk: int = CHUNKS.score) -> tuple[np.ndarray, np.ndarray]:
    """``fs.weights_from_evidence`` a chunk at a time on one thread per CPU: the
    match weights overwrite ``pair_evidence`` (returned as the weight array) and the
    probabilities fill a new array."""
    probability = np.empty(pair_evidence.size, dtype=np.float64)

    def fill(begin: int, end: int) -> None:
        for start in range(begin, end, chunk):
            part = slice(start, min(start + chunk, end))
            pair_evidence[part], probability[part] = weights_from_evidence(model, pair_evidence[part])

    in_parallel(fill, pair_evidence.size)
    return pair_evidence, probability


def link(df: pd.DataFrame, settings: LinkageSettings) -> LinkageResult:
    """Run the whole engine on ``df`` (row position = record index).

    Each pair-sized array is dropped as soon as its last reader is done (the rule mask after
    training, the level matrix once the kept pairs' levels are taken), so at most one
    generation of them is resident at a time. The column arrays the comparisons prepare are
    kept for training (u's random pairs and the term frequencies read the same columns).
    """
    df = df.reset_index(drop=True)
    timer = StageTimer()
    lap, timings = timer.lap, timer.seconds

    with column_cache():
        candidates = candidate_pairs(df, settings.blocking_rules, settings.block_cap,
                                     link_only=settings.link_only_column)
        left, right, blocking_stats, n_candidates = (candidates.left, candidates.right,
                                                     candidates.stats, len(candidates))
        lap("blocking")
        levels = comparison_levels(df, left, right, settings.comparisons)
        lap("compare")
        model, pair_evidence = fit(df, candidates, levels, settings)
    del candidates
    lap("train")
    weight, probability = weights_in_place(model, pair_evidence)
    del pair_evidence
    keep = np.flatnonzero(probability >= settings.pairs_floor)
    kept_levels = levels[keep]
    del levels
    lap("score")
    cluster_stats = ClusterStats()
    labels = cluster(len(df), left, right, probability, weight, df, settings, stats=cluster_stats)
    lap("cluster")
    pairs = pairs_frame(left[keep], right[keep], kept_levels, weight[keep], probability[keep], settings)
    lap("pairs_frame")
    stats = {
        "records": len(df),
        "candidate_pairs": n_candidates,
        "pairs_kept": int(keep.size),
        "pairs_at_threshold": int(np.count_nonzero(probability >= settings.match_threshold)),
        "clusters": int(labels.max() + 1) if labels.size else 0,
        "blocking": [asdict(rule) for rule in blocking_stats],
        "clustering": asdict(cluster_stats),
        "em_sessions": [{key: value for key, value in session.items() if key != "trained"}
                        for session in model.sessions],
        "lambda": model.lambda_,
        "seconds": timings,
    }
    return LinkageResult(pairs=pairs, model=model, labels=labels, stats=stats)
