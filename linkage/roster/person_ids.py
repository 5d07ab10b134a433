"""Stable person ids across runs.

Rule, given this run's clusters and the previous run's (record_key, person_id) mapping:

1. Each earlier person id goes to its heir: the new cluster holding the most records that
   carried it (ties: the cluster whose smallest record key sorts first). When a person splits,
   the part with most of the earlier records keeps the id; the other parts get new ids.
2. A cluster that is heir to several earlier ids (persons merged) keeps the oldest, i.e. the
   smallest id; the other ids retire and are never given again.
3. A cluster heir to no earlier id gets a new id: ``P`` + the first 10 hex digits of the
   HMAC-SHA256, keyed with the output folder's secret, of its smallest record key, rehashed
   with a counter suffix while it collides with an id in use or retired. Without the secret an
   id says nothing of its records (never a bare hash, which guessing record ids reverses).
"""
from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype


def factorize_sorted(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, sort=True)``; text is ordered by Arrow (code points, as Python
    compares str) instead of one Python comparison per step."""
    if values.dtype != object:
        codes, uniques = pd.factorize(values, sort=True)
        return codes, pd.Index(uniques)
    codes, uniques = pd.factorize(values)
    uniques = np.asarray(uniques, dtype=object)
    if infer_dtype(uniques, skipna=False) != "string":
        codes, uniques = pd.factorize(values, sort=True)
        return codes, pd.Index(uniques)
    try:
        order = pd.array(uniques, dtype="string[pyarrow]").argsort()
    except UnicodeEncodeError:
        codes, uniques = pd.factorize(values, sort=True)
        return codes, pd.Index(uniques)
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return np.where(codes >= 0, rank[codes], -1), pd.Index(uniques[order], dtype=object)


def _keyed(text: str, secret: bytes) -> str:
    return "P" + hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()[:10]


def new_person_id(record_key: str, taken: set[str], secret: bytes) -> str:
    """Opaque id keyed with ``secret`` for a cluster first seen with ``record_key``, not in ``taken``."""
    attempt = 0
    while True:
        text = record_key if attempt == 0 else f"{record_key}#{attempt}"
        candidate = _keyed(text, secret)
        if candidate not in taken:
            return candidate
        attempt += 1


def new_person_ids(first_keys: list[str], taken: pd.Index, secret: bytes) -> list[str]:
    """``new_person_id`` for each key in turn, each id then taken; one pass when nothing collides."""
    candidates = [_keyed(key, secret) for key in first_keys]
    if pd.Index(candidates).is_unique and not taken.isin(candidates).any():
        return candidates
    in_use = set(taken)
    ids = []
    for key in first_keys:
        ids.append(new_person_id(key, in_use, secret))
        in_use.add(ids[-1])
    return ids


def _smallest_per_code(code: np.ndarray, rank: np.ndarray, n_codes: int, start: int) -> np.ndarray:
    """Smallest rank per code 0..n_codes-1 (``start`` where a code has none)."""
    smallest = np.full(n_codes, start, dtype=np.int64)
    np.minimum.at(smallest, code, rank)
    return smallest


def _earlier_heirs(key_codes: np.ndarray, cluster_code: np.ndarray, first_rank: np.ndarray,
                   earlier_key_codes: np.ndarray, earlier_person: np.ndarray, n_clusters: int) -> np.ndarray:
    """Per cluster code, the code of the earlier person id it keeps (rules 1 and 2), or -1."""
    held = pd.DataFrame({"key": key_codes, "cluster": cluster_code}).merge(
        pd.DataFrame({"key": earlier_key_codes, "person": earlier_person}), on="key", how="inner")
    claim, records = np.unique(held["person"].to_numpy(dtype=np.int64) * n_clusters
                               + held["cluster"].to_numpy(dtype=np.int64), return_counts=True)
    person, cluster = claim // n_clusters, claim % n_clusters
    order = np.lexsort((first_rank[cluster], -records, person))
    heir = order[np.r_[True, person[order][1:] != person[order][:-1]]] if len(order) else order
    kept = np.full(n_clusters, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(kept, cluster[heir], person[heir])
    return np.where(kept == np.iinfo(np.int64).max, -1, kept)


def assign_person_ids(record_keys: pd.Series, labels: np.ndarray,
                      previous: pd.DataFrame | None = None, *, secret: bytes) -> tuple[pd.Series, pd.DataFrame]:
    """Person id per record (aligned with ``record_keys``) and the mapping frame
    (record_key, person_id)."""
    keys = pd.Series(record_keys).astype(str).reset_index(drop=True)
    cluster_code, cluster_labels = pd.factorize(np.asarray(labels), sort=True)
    n_clusters = len(cluster_labels)
    key_rank, sorted_keys = factorize_sorted(keys)
    first_rank = _smallest_per_code(cluster_code, key_rank, n_clusters, len(sorted_keys))
    cluster_id = np.full(n_clusters, None, dtype=object)
    earlier_ids = pd.Index([], dtype=object)
    if previous is not None and len(previous):
        earlier = previous[["record_key", "person_id"]].astype(str)
        person_code, earlier_ids = factorize_sorted(earlier["person_id"])
        joint_codes, _ = pd.factorize(np.concatenate([keys.to_numpy(dtype=object),
                                                      earlier["record_key"].to_numpy(dtype=object)]))
        kept = _earlier_heirs(joint_codes[:len(keys)], cluster_code, first_rank, joint_codes[len(keys):],
                              person_code, n_clusters)
        cluster_id[kept >= 0] = np.asarray(earlier_ids, dtype=object)[kept[kept >= 0]]
    fresh = np.flatnonzero(pd.isna(cluster_id))
    fresh = fresh[np.argsort(first_rank[fresh], kind="stable")]
    first_keys = np.asarray(sorted_keys, dtype=object)[first_rank[fresh]].tolist()
    cluster_id[fresh] = new_person_ids(first_keys, earlier_ids, secret)
    person_ids = pd.Series(cluster_id[cluster_code], name="person_id")
    mapping = pd.DataFrame({"record_key": keys, "person_id": person_ids})
    return person_ids, mapping
