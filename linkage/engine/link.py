"""link(df, settings): block, compare, train, score and cluster one table."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from linkage.engine.blocking import RuleStats, candidate_pairs
from linkage.engine.clustering import ClusterStats, cluster
from linkage.engine.constraints import Resolution, resolve
from linkage.engine.levels import column_cache, comparison_levels
from linkage.engine.fs import FSModel, fit, weights_from_evidence
from linkage.engine.fs.training import candidate_groups
from linkage.engine.parallel import CHUNKS, in_parallel
from linkage.engine.settings import LinkageSettings, PairConstraints
from linkage.engine.timing import StageTimer
from schemas.outputs import level_column


@dataclass
class LinkageStats:
    """What one linkage run did (either engine builds it through ``LinkageStats.of_run``)."""

    records: int
    candidate_pairs: int
    pairs_kept: int
    """pairs at or above settings.pairs_floor (the rows of LinkageResult.pairs)."""
    pairs_at_threshold: int
    """pairs at or above settings.match_threshold."""
    clusters: int
    blocking: list[RuleStats]
    clustering: ClusterStats
    em_sessions: list[dict]
    """the model's EM sessions without their trained flags."""
    lambda_: float
    seconds: dict[str, float]
    """seconds per stage, in stage order."""
    engine: str | None = None
    """the engine when not the pandas one ("spark")."""

    @classmethod
    def of_run(cls, records: int, candidate_pairs: int, pairs_kept: int, pairs_at_threshold: int,
               labels: np.ndarray, blocking: list[RuleStats], clustering: ClusterStats, model: FSModel,
               seconds: dict[str, float], engine: str | None = None) -> "LinkageStats":
        """The statistics of a run from its counts, labels, blocking and clustering statistics,
        model and stage timings."""
        return cls(
            records=records,
            candidate_pairs=candidate_pairs,
            pairs_kept=pairs_kept,
            pairs_at_threshold=pairs_at_threshold,
            clusters=int(labels.max() + 1) if labels.size else 0,
            blocking=list(blocking),
            clustering=clustering,
            em_sessions=[{key: value for key, value in session.items() if key != "trained"}
                         for session in model.sessions],
            lambda_=model.lambda_,
            seconds=seconds,
            engine=engine,
        )

    def to_dict(self) -> dict:
        """Plain JSON-ready form: records, candidate_pairs, pairs_kept, pairs_at_threshold,
        clusters, blocking (one dict per rule), clustering, em_sessions, lambda, seconds, and
        engine when set."""
        out = {
            "records": self.records,
            "candidate_pairs": self.candidate_pairs,
            "pairs_kept": self.pairs_kept,
            "pairs_at_threshold": self.pairs_at_threshold,
            "clusters": self.clusters,
            "blocking": [asdict(rule) for rule in self.blocking],
            "clustering": asdict(self.clustering),
            "em_sessions": self.em_sessions,
            "lambda": self.lambda_,
            "seconds": self.seconds,
        }
        if self.engine is not None:
            out["engine"] = self.engine
        return out


@dataclass
class LinkageResult:
    """Scored pairs (at or above settings.pairs_floor), the model, labels and run statistics."""

    pairs: pd.DataFrame
    model: FSModel
    labels: np.ndarray
    stats: LinkageStats
    constraints: Resolution | None = None
    """the pair constraints given, resolved: those kept and those set aside (None without any)."""


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


def weights_in_place(model: FSModel, pair_evidence: np.ndarray, chunk: int = CHUNKS.score,
                     pair_groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``fs.weights_from_evidence`` a chunk at a time on one thread per CPU: the
    match weights overwrite ``pair_evidence`` (returned as the weight array) and the
    probabilities fill a new array. ``pair_groups``: each pair's prior group (group priors)."""
    probability = np.empty(pair_evidence.size, dtype=np.float64)

    def fill(begin: int, end: int) -> None:
        for start in range(begin, end, chunk):
            part = slice(start, min(start + chunk, end))
            groups = None if pair_groups is None else pair_groups[part]
            pair_evidence[part], probability[part] = weights_from_evidence(model, pair_evidence[part], groups)

    in_parallel(fill, pair_evidence.size)
    return pair_evidence, probability


def link(df: pd.DataFrame, settings: LinkageSettings,
         constraints: PairConstraints | None = None) -> LinkageResult:
    """Run the whole engine on ``df`` (row position = record index); ``constraints`` (row
    positions) bind the clustering as linkage.engine.constraints states.

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
    weight, probability = weights_in_place(model, pair_evidence,
                                           pair_groups=candidate_groups(df, left, right, settings))
    del pair_evidence
    keep = np.flatnonzero(probability >= settings.pairs_floor)
    kept_levels = levels[keep]
    del levels
    lap("score")
    cluster_stats = ClusterStats()
    resolution = resolve(df, settings.cannot_link, constraints) if constraints is not None else None
    labels = cluster(len(df), left, right, probability, weight, df, settings, stats=cluster_stats,
                     constraints=resolution.kept if resolution is not None else None)
    lap("cluster")
    pairs = pairs_frame(left[keep], right[keep], kept_levels, weight[keep], probability[keep], settings)
    lap("pairs_frame")
    stats = LinkageStats.of_run(
        records=len(df), candidate_pairs=n_candidates, pairs_kept=int(keep.size),
        pairs_at_threshold=int(np.count_nonzero(probability >= settings.match_threshold)),
        labels=labels, blocking=blocking_stats, clustering=cluster_stats, model=model, seconds=timings)
    return LinkageResult(pairs=pairs, model=model, labels=labels, stats=stats, constraints=resolution)
