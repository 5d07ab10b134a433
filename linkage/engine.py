"""link(df, settings): block, compare, train, score and cluster one table."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from linkage.blocking import candidate_pairs
from linkage.clustering import ClusterStats, cluster
from linkage.compare import comparison_levels
from linkage.fellegi_sunter import FSModel, score, train
from linkage.settings import LinkageSettings
from linkage.timing import StageTimer


@dataclass
class LinkageResult:
    """Scored pairs (at or above settings.pairs_floor), the model, labels and run statistics."""

    pairs: pd.DataFrame
    model: FSModel
    labels: np.ndarray
    stats: dict = field(default_factory=dict)


def pairs_frame(left: np.ndarray, right: np.ndarray, levels: np.ndarray, weight: np.ndarray,
                probability: np.ndarray, settings: LinkageSettings) -> pd.DataFrame:
    """left, right, one ``<name>_level`` column per comparison, match_weight, match_probability."""
    frame = pd.DataFrame({"left": left, "right": right})
    for k, comparison in enumerate(settings.comparisons):
        frame[f"{comparison.name}_level"] = levels[:, k]
    frame["match_weight"] = weight
    frame["match_probability"] = probability
    return frame


def link(df: pd.DataFrame, settings: LinkageSettings) -> LinkageResult:
    """Run the whole engine on ``df`` (row position = record index)."""
    df = df.reset_index(drop=True)
    timer = StageTimer()
    lap, timings = timer.lap, timer.seconds

    candidates = candidate_pairs(df, settings.blocking_rules, settings.block_cap,
                                 link_only=settings.link_only_column)
    lap("blocking")
    levels = comparison_levels(df, candidates.left, candidates.right, settings.comparisons)
    lap("compare")
    model = train(df, candidates, levels, settings)
    lap("train")
    weight, probability = score(model, df, candidates.left, candidates.right, levels)
    lap("score")
    cluster_stats = ClusterStats()
    labels = cluster(len(df), candidates.left, candidates.right, probability, weight, df,
                     settings, stats=cluster_stats)
    lap("cluster")
    keep = probability >= settings.pairs_floor
    pairs = pairs_frame(candidates.left[keep], candidates.right[keep], levels[keep],
                        weight[keep], probability[keep], settings)
    lap("pairs_frame")
    stats = {
        "records": len(df),
        "candidate_pairs": len(candidates),
        "pairs_kept": int(keep.sum()),
        "pairs_at_threshold": int((probability >= settings.match_threshold).sum()),
        "clusters": int(labels.max() + 1) if labels.size else 0,
        "blocking": [asdict(rule) for rule in candidates.stats],
        "clustering": asdict(cluster_stats),
        "em_sessions": [{key: value for key, value in session.items() if key != "trained"}
                        for session in model.sessions],
        "lambda": model.lambda_,
        "seconds": timings,
    }
    return LinkageResult(pairs=pairs, model=model, labels=labels, stats=stats)
