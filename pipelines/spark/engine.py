"""link_spark(): the pandas engine's blocking, comparisons, training, scoring and clustering on Spark.

Same functions, same results as ``linkage.engine.link.link``, with the pair work on the cluster:

- blocking keys are computed on the driver (``rule.key(df)``: vectorized int64 codes over the
  frame's global factor codes); each block is paired on an executor by
  ``groupBy(rule, hash(key) % buckets).applyInPandas`` running ``linkage.engine.blocking.candidate_pairs`` on the
  block alone (same cap, same split key, same sorted-neighbourhood fallback; blocks are hashed
  into buckets so one pandas call pairs many whole blocks), and pairs from
  several rules are merged with a bit mask of the rules that produced them;
- comparison levels, term-frequency evidence and scores are computed per partition of pairs
  (``mapInPandas``) with ``linkage.engine.levels`` / ``linkage.engine.fs`` against the
  normalized frame, broadcast once to the executors;
- training: the comparison-vector pattern counts are gathered on the cluster
  (``groupBy(mask, levels).count()``) and trained on the driver by
  ``fs.training.train_from_patterns``, the function the pandas engine trains through;
  lambda from the candidates' evidence as in ``fs.training.train``;
- clustering: connected components of the pairs at or above the match threshold by
  large-star / small-star (``pipelines.spark.components``), then ``linkage.engine.clustering.cluster``
  (constraint-aware best-first merging) on groups of whole components (components hashed
  into buckets) with ``applyInPandas``. A cluster never crosses a component, and within one
  the merges only see that component's pairs, so the labels equal the pandas engine's.

The normalized frame comes from ``pipelines.spark.normalize.normalize_spark`` (normalized on
the executors, equal to ``normalize_records``) or from the pandas normalization. The driver holds
it (keys, u sample, term frequencies, the broadcast), the pattern counts and the kept pairs; the
executors hold the candidate pairs.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from linkage.engine.blocking import RuleStats, candidate_pairs
from linkage.engine.clustering import ClusterStats, cluster
from linkage.engine.levels import comparison_levels
from linkage.engine.link import LinkageResult, LinkageStats, pairs_frame
from linkage.engine.fs.training import candidate_groups, set_group_priors
from linkage.engine.fs import (FSModel, evidence, possible_pairs, prior_from_candidates, train_from_patterns,
                               weights_from_evidence)
from linkage.engine.settings import BlockingRule, LinkageSettings
from linkage.engine.timing import StageTimer
from schemas.outputs import level_column
from pipelines.spark.components import component_of_every_node

NO_SPLIT = -1


def _level_columns(settings: LinkageSettings) -> list[str]:
    return [level_column(c.name) for c in settings.comparisons]


def block_keys(df: pd.DataFrame, settings: LinkageSettings) -> pd.DataFrame:
    """(row, rule, key, split, side) for every row that has a key under each rule."""
    side = (pd.factorize(df[settings.link_only_column], use_na_sentinel=True)[0].astype(np.int64)
            if settings.link_only_column else np.zeros(len(df), np.int64))
    parts = []
    for index, rule in enumerate(settings.blocking_rules):
        keys = np.asarray(rule.key(df), dtype=np.int64)
        split = (np.asarray(rule.split_key(df), dtype=np.int64) if rule.split_key is not None
                 else np.full(len(df), NO_SPLIT, np.int64))
        rows = np.flatnonzero(keys >= 0)
        parts.append(pd.DataFrame({"row": rows, "rule": index, "key": keys[rows],
                                   "split": split[rows], "side": side[rows]}))
    return pd.concat(parts, ignore_index=True)


def block_stats(keys: pd.DataFrame, settings: LinkageSettings) -> list[dict]:
    """linkage.engine.blocking.RuleStats fields per rule; pairs and new_pairs are filled in from the pairs."""
    stats = []
    for index, rule in enumerate(settings.blocking_rules):
        rule_keys = keys[keys["rule"] == index]
        sizes = rule_keys.groupby("key").size()
        big = rule_keys[rule_keys["key"].isin(sizes.index[sizes > settings.block_cap])]
        if rule.split_key is None:
            windowed = len(big)
        else:
            sub_sizes = big.groupby(["key", "split"]).size()
            over = (sub_sizes > settings.block_cap) | (sub_sizes.index.get_level_values("split") < 0)
            windowed = int(sub_sizes[over].sum())
        stats.append({"rule": rule.name, "pairs": 0, "new_pairs": 0, "blocks": int(sizes.size),
                      "largest_block": int(sizes.max() if sizes.size else 0),
                      "blocks_split": int((sizes > settings.block_cap).sum()), "windowed_rows": int(windowed)})
    return stats


def _block_pair_fn(settings: LinkageSettings):
    """applyInPandas function: candidate pairs (global rows) of whole blocks of one rule.

    A group holds every row of the blocks whose key falls in its bucket, so
    ``candidate_pairs`` on the group gives exactly those blocks' pairs.
    """
    has_split = [rule.split_key is not None for rule in settings.blocking_rules]
    names = [rule.name for rule in settings.blocking_rules]
    cap, link_only = settings.block_cap, settings.link_only_column

    def pairs_of_blocks(blocks: pd.DataFrame) -> pd.DataFrame:
        blocks = blocks.sort_values("row", kind="stable").reset_index(drop=True)
        index = int(blocks["rule"].iloc[0])
        rule = BlockingRule(
            names[index], key=lambda d: d["key"].to_numpy(dtype=np.int64),
            split_key=(lambda d: d["split"].to_numpy(dtype=np.int64)) if has_split[index] else None)
        found = candidate_pairs(blocks, [rule], cap, link_only="side" if link_only else None)
        rows = blocks["row"].to_numpy(dtype=np.int64)
        return pd.DataFrame({"left": rows[found.left], "right": rows[found.right],
                             "bit": np.int64(1) << index})

    return pairs_of_blocks


def _levels_fn(frame_broadcast, settings: LinkageSettings):
    """mapInPandas function: comparison levels of each pair."""
    comparisons, columns = settings.comparisons, _level_columns(settings)

    def with_levels(batches):
        df = frame_broadcast.value
        for batch in batches:
            levels = comparison_levels(df, batch["left"].to_numpy(), batch["right"].to_numpy(), comparisons)
            yield batch.assign(**{name: levels[:, k] for k, name in enumerate(columns)})

    return with_levels


def _evidence_fn(frame_broadcast, model: FSModel, settings: LinkageSettings):
    """mapInPandas function: the batch with the summed comparison weights (tf included) of each pair."""
    columns = _level_columns(settings)

    def with_evidence(batches):
        df = frame_broadcast.value
        for batch in batches:
            levels = batch[columns].to_numpy(dtype=np.int8)
            yield batch.assign(evidence=evidence(model, df, batch["left"].to_numpy(), batch["right"].to_numpy(), levels))

    return with_evidence


def _score_fn(model: FSModel, frame_broadcast=None, settings: LinkageSettings | None = None):
    """mapInPandas function: match weight and probability of each pair from its evidence (with
    the settings' prior groups, each pair's group prior)."""

    def with_scores(batches):
        for batch in batches:
            groups = None
            if settings is not None and settings.prior_groups is not None:
                groups = candidate_groups(frame_broadcast.value, batch["left"].to_numpy(),
                                          batch["right"].to_numpy(), settings)
            weight, probability = weights_from_evidence(model, batch.pop("evidence").to_numpy(), groups)
            yield batch.assign(match_weight=weight, match_probability=probability)

    return with_scores


def _cluster_fn(frame_broadcast, settings: LinkageSettings):
    """applyInPandas function: linkage.engine.clustering.cluster on the pairs of whole components.

    Clusters never cross components and merges only consult pairs inside a component, so
    clustering several whole components at once labels each as clustering it alone would.
    """
    stat_names = [f.name for f in fields(ClusterStats)]

    def cluster_components(pairs: pd.DataFrame) -> pd.DataFrame:
        pairs = pairs.sort_values(["left", "right"], kind="stable")
        left, right = pairs["left"].to_numpy(np.int64), pairs["right"].to_numpy(np.int64)
        members = np.unique(np.concatenate((left, right)))
        sub_frame = frame_broadcast.value.iloc[members].reset_index(drop=True)
        stats = ClusterStats()
        labels = cluster(members.size, np.searchsorted(members, left), np.searchsorted(members, right),
                         pairs["match_probability"].to_numpy(), pairs["match_weight"].to_numpy(),
                         sub_frame, settings, stats=stats)
        out = pd.DataFrame({"node": members, "group": pairs["group"].iloc[0], "local": labels})
        for name in stat_names:  # the group's clustering stats ride on its first row
            value = getattr(stats, name)
            out[name] = np.where(np.arange(members.size) == 0, value, 0).astype(type(value))
        return out

    return cluster_components


def final_labels(n_records: int, clustered: pd.DataFrame) -> np.ndarray:
    """Cluster label per record numbered by first record, singletons their own cluster.

    ``clustered``: (node, group, local) for the records of multi-record components.
    """
    group = np.arange(n_records, dtype=np.int64)  # a singleton: its own group, below n_records
    local = np.zeros(n_records, dtype=np.int64)
    nodes = clustered["node"].to_numpy(np.int64)
    group[nodes] = n_records + clustered["group"].to_numpy(np.int64)
    local[nodes] = clustered["local"].to_numpy(np.int64)
    return pd.factorize(group * max(n_records, 1) + local)[0].astype(np.int64)


def _read_normalized(normalized: pd.DataFrame | str | Path) -> pd.DataFrame:
    frame = pd.read_parquet(normalized) if isinstance(normalized, (str, Path)) else normalized
    return frame.reset_index(drop=True)


def link_spark(spark: SparkSession, normalized: pd.DataFrame | str | Path,
               settings: LinkageSettings, buckets: int | None = None) -> LinkageResult:
    """``linkage.engine.link.link`` on Spark: a normalized frame (or its Parquet path) -> LinkageResult.

    ``buckets``: how many groups the blocks and the components are hashed into (each group a
    pandas call on an executor); default 4 per core of the cluster.
    """
    df = _read_normalized(normalized)
    buckets = buckets or 4 * spark.sparkContext.defaultParallelism
    n = len(df)
    timer = StageTimer()
    lap, timings = timer.lap, timer.seconds

    frame_broadcast = spark.sparkContext.broadcast(df)
    level_columns = _level_columns(settings)
    persisted: list[DataFrame] = []
    try:
        keys = block_keys(df, settings)
        rule_stats = block_stats(keys, settings)
        block_rows = (spark.createDataFrame(keys)
                      .withColumn("bucket", F.pmod(F.xxhash64("key"), F.lit(buckets)))
                      .groupBy("rule", "bucket")
                      .applyInPandas(_block_pair_fn(settings), "left long, right long, bit long"))
        candidates = block_rows.groupBy("left", "right").agg(F.bit_or("bit").alias("mask"))
        level_schema = "left long, right long, mask long, " + ", ".join(f"{c} tinyint" for c in level_columns)
        with_levels = candidates.mapInPandas(_levels_fn(frame_broadcast, settings), level_schema).persist()
        persisted.append(with_levels)
        n_candidates = with_levels.count()
        lap("blocking_compare")

        per_rule = with_levels.agg(*[
            F.sum(((F.col("mask").bitwiseAND(1 << r)) != 0).cast("long")).alias(f"pairs_{r}")
            for r in range(len(settings.blocking_rules))], *[
            F.sum((((F.col("mask").bitwiseAND(1 << r)) != 0) & (F.col("mask").bitwiseAND((1 << r) - 1) == 0))
                  .cast("long")).alias(f"new_{r}") for r in range(len(settings.blocking_rules))]).first()
        for r, entry in enumerate(rule_stats):
            entry["pairs"], entry["new_pairs"] = int(per_rule[f"pairs_{r}"] or 0), int(per_rule[f"new_{r}"] or 0)

        counted = with_levels.groupBy("mask", *level_columns).count().toPandas()
        model = train_from_patterns(df, counted["mask"].to_numpy(np.int64),
                                    counted[level_columns].to_numpy(np.int8), counted["count"].to_numpy(np.int64),
                                    settings)
        with_evidence = with_levels.mapInPandas(_evidence_fn(frame_broadcast, model, settings),
                                                level_schema + ", evidence double").persist()
        persisted.append(with_evidence)
        evidence_frame = (with_evidence.select("left", "right", "evidence").toPandas()
                          .sort_values(["left", "right"], kind="stable"))
        pair_evidence = evidence_frame["evidence"].to_numpy()
        if settings.prior_groups is not None:
            set_group_priors(model, df, evidence_frame["left"].to_numpy(), evidence_frame["right"].to_numpy(),
                             pair_evidence, settings)
        else:
            model.lambda_ = prior_from_candidates(pair_evidence, possible_pairs(df, settings.link_only_column))
        del evidence_frame
        lap("train")

        score_schema = level_schema + ", match_weight double, match_probability double"
        scored = with_evidence.mapInPandas(_score_fn(model, frame_broadcast, settings), score_schema).persist()
        persisted.append(scored)
        at_threshold = scored.where(F.col("match_probability") >= settings.match_threshold).count()
        lap("score")

        edges = scored.where(F.col("match_probability") >= settings.match_threshold).select(
            F.col("left").alias("src"), F.col("right").alias("dst"))
        components = component_of_every_node(spark.range(n).withColumnRenamed("id", "node"), edges).persist()
        persisted.append(components)
        left_of = components.select(F.col("node").alias("left"), F.col("component"))
        right_of = components.select(F.col("node").alias("right"), F.col("component").alias("right_component"))
        inside = (scored.join(left_of, "left").join(right_of, "right")
                  .where(F.col("component") == F.col("right_component"))
                  .select(F.pmod(F.xxhash64("component"), F.lit(buckets)).alias("group"),
                          "left", "right", "match_weight", "match_probability"))
        stat_schema = ", ".join(f"{f.name} {'double' if f.type in (float, 'float') else 'long'}"
                                for f in fields(ClusterStats))
        clustered = (inside.groupBy("group")
                     .applyInPandas(_cluster_fn(frame_broadcast, settings),
                                    f"node long, group long, local long, {stat_schema}")
                     .toPandas())
        labels = final_labels(n, clustered)
        cluster_stats = {f.name: (float if f.type in (float, "float") else int)(clustered[f.name].sum())
                         for f in fields(ClusterStats)}
        lap("cluster")

        kept = (scored.where(F.col("match_probability") >= settings.pairs_floor).drop("mask").toPandas()
                .sort_values(["left", "right"], kind="stable"))
        pairs = pairs_frame(kept["left"].to_numpy(np.int64), kept["right"].to_numpy(np.int64),
                            kept[level_columns].to_numpy(np.int8), kept["match_weight"].to_numpy(),
                            kept["match_probability"].to_numpy(), settings).reset_index(drop=True)
        lap("pairs_frame")
    finally:
        for frame in persisted:
            frame.unpersist()
        frame_broadcast.unpersist()
    stats = LinkageStats.of_run(
        records=n, candidate_pairs=int(n_candidates), pairs_kept=len(pairs), pairs_at_threshold=int(at_threshold),
        labels=labels, blocking=[RuleStats(**entry) for entry in rule_stats], clustering=ClusterStats(**cluster_stats),
        model=model, seconds=timings, engine="spark")
    return LinkageResult(pairs=pairs, model=model, labels=labels, stats=stats)
