"""Stable person ids across runs.

Rule, given this run's clusters and the previous run's (record_key, person_id) mapping:

1. Each earlier person id goes to its heir: the new cluster holding the most records that
   carried it (ties: the cluster whose smallest record key sorts first). When a person splits,
   the part with most of the earlier records keeps the id; the other parts get new ids.
2. A cluster that is heir to several earlier ids (persons merged) keeps the oldest, i.e. the
   smallest id; the other ids retire and are never given again.
3. A cluster heir to no earlier id gets a new id: ``P`` + the first 10 hex digits of the
   SHA-256 of its smallest record key, rehashed with a counter suffix while it collides with
   an id in use or retired. Ids are opaque and deterministic.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def new_person_id(record_key: str, taken: set[str]) -> str:
    """Deterministic opaque id for a cluster first seen with ``record_key``, not in ``taken``."""
    attempt = 0
    while True:
        text = record_key if attempt == 0 else f"{record_key}#{attempt}"
        candidate = "P" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
        if candidate not in taken:
            return candidate
        attempt += 1


def smallest_key_per_cluster(keys: pd.Series, clusters: np.ndarray) -> pd.Series:
    """The smallest record key of each cluster, indexed by cluster label (sorted)."""
    key_rank, sorted_keys = pd.factorize(keys, sort=True)
    cluster_code, cluster_labels = pd.factorize(clusters, sort=True)
    smallest_rank = np.full(len(cluster_labels), len(sorted_keys), dtype=np.int64)
    np.minimum.at(smallest_rank, cluster_code, key_rank)
    return pd.Series(np.asarray(sorted_keys, dtype=object)[smallest_rank], index=pd.Index(cluster_labels, name="cluster"),
                     name="record_key")


def assign_person_ids(record_keys: pd.Series, labels: np.ndarray,
                      previous: pd.DataFrame | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Person id per record (aligned with ``record_keys``) and the mapping frame
    (record_key, person_id)."""
    keys = pd.Series(record_keys).astype(str).reset_index(drop=True)
    frame = pd.DataFrame({"record_key": keys, "cluster": np.asarray(labels)})
    first_key = smallest_key_per_cluster(keys, frame["cluster"].to_numpy())
    earlier_ids: set[str] = set()
    cluster_id: dict = {}
    if previous is not None and len(previous):
        earlier = previous[["record_key", "person_id"]].astype(str)
        earlier_ids = set(earlier["person_id"])
        held = frame.merge(earlier, on="record_key", how="inner")
        claims = held.groupby(["person_id", "cluster"]).size().rename("records").reset_index()
        claims["first_key"] = claims["cluster"].map(first_key)
        claims = claims.sort_values(["person_id", "records", "first_key"],
                                    ascending=[True, False, True])
        heirs = claims.drop_duplicates("person_id")
        # the smallest id per cluster by sorting (a groupby min of text runs a Python loop)
        oldest = heirs.sort_values(["cluster", "person_id"], kind="stable").drop_duplicates("cluster")
        cluster_id = dict(zip(oldest["cluster"].tolist(), oldest["person_id"].tolist()))
    taken = set(earlier_ids)
    ordered = first_key.sort_values()
    for cluster, key in zip(ordered.index.tolist(), ordered.tolist()):
        if cluster not in cluster_id:
            cluster_id[cluster] = new_person_id(key, taken)
            taken.add(cluster_id[cluster])
    person_ids = frame["cluster"].map(cluster_id).rename("person_id")
    mapping = pd.DataFrame({"record_key": keys, "person_id": person_ids})
    return person_ids, mapping
