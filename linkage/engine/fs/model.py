"""The trained Fellegi-Sunter model: m and u per comparison level, lambda, the tf tables, and its JSON.

The model JSON holds labels, m, u, lambda and the tf tables (value -> frequency). The tf
values are data values (names...): written with a key (``to_json(tf_key=...)``) each table's
keys are HMAC-SHA256 digests of the values (``tf_key_digest``), so the file holds no name, id
number or address; a model read back with the same key scores exactly as before (scoring
hashes the records' values to look them up).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field

import numpy as np

LAMBDA_BOUNDS = (1e-15, 1 - 1e-6)
"""Bounds lambda (EM's match share and the prior) is clipped to."""
DEFAULT_TF_FLOOR = 1e-5
TF_KEYS_HMAC = "hmac-sha256"
"""The JSON's `tf_keys` when the tf tables' keys are digests."""


def tf_key_digest(key: bytes, value: str) -> str:
    """The keyed digest a hashed tf table holds for a value (HMAC-SHA256, 128 bits in hex)."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@dataclass
class ComparisonModel:
    """Trained parameters of one comparison: m and u per level."""

    name: str
    levels: tuple[str, ...]
    m: np.ndarray
    u: np.ndarray
    tf_column: str | None = None
    tf_levels: tuple[int, ...] = ()
    tf_table: dict[str, float] = field(default_factory=dict)
    fixed_levels: tuple[int, ...] = ()
    tf_hash_key: bytes | None = field(default=None, repr=False)
    """When set, tf_table's keys are ``tf_key_digest(tf_hash_key, value)`` (never serialized)."""

    def tf_table_for_json(self, key: bytes | None) -> dict[str, float]:
        """The tf table as written: keys digested with `key` (unless they already are, or no key)."""
        if key is None or self.tf_hash_key is not None:
            return self.tf_table
        return {tf_key_digest(key, value): frequency for value, frequency in self.tf_table.items()}

    def level_weights(self) -> np.ndarray:
        """log2(m/u) per level."""
        return np.log2(self.m / self.u)


@dataclass
class FSModel:
    """A trained Fellegi-Sunter model."""

    comparisons: list[ComparisonModel]
    lambda_: float
    tf_floor: float = DEFAULT_TF_FLOOR
    sessions: list[dict] = field(default_factory=list)
    group_lambdas: np.ndarray | None = None
    """(K, K) symmetric: the prior of pairs whose records fall in categories (a, b) of
    ``LinkageSettings.prior_groups`` (row/column 0 is category -1); None: ``lambda_`` for all."""

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.lambda_ / (1 - self.lambda_)))

    def group_prior_weights(self) -> np.ndarray | None:
        """log2 prior odds per flattened group (a * K + b), or None without group priors."""
        if self.group_lambdas is None:
            return None
        table = np.asarray(self.group_lambdas, dtype=np.float64).ravel()
        return np.log2(table / (1 - table))

    def to_json(self, tf_key: bytes | None = None) -> str:
        """The model as JSON; with `tf_key` (or a model read with one) the tf keys are digests."""
        hashed = tf_key is not None or any(c.tf_hash_key is not None for c in self.comparisons)
        return json.dumps({
            **({"tf_keys": TF_KEYS_HMAC} if hashed else {}),
            "lambda": self.lambda_,
            "tf_floor": self.tf_floor,
            "sessions": self.sessions,
            "group_lambdas": None if self.group_lambdas is None else np.asarray(self.group_lambdas).tolist(),
            "comparisons": [{
                "name": c.name, "levels": list(c.levels), "m": c.m.tolist(), "u": c.u.tolist(),
                "tf_column": c.tf_column, "tf_levels": list(c.tf_levels),
                "fixed_levels": list(c.fixed_levels), "tf_table": c.tf_table_for_json(tf_key),
            } for c in self.comparisons],
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, tf_key: bytes | None = None) -> "FSModel":
        """The model of `to_json`; a model with digested tf keys needs the `tf_key` it was written with."""
        data = json.loads(text)
        hashed = data.get("tf_keys") == TF_KEYS_HMAC
        if hashed and tf_key is None:
            raise ValueError("this model's term-frequency keys are digests: its key is needed to read it")
        comparisons = [ComparisonModel(
            name=c["name"], levels=tuple(c["levels"]), m=np.asarray(c["m"], dtype=np.float64),
            u=np.asarray(c["u"], dtype=np.float64), tf_column=c["tf_column"],
            tf_levels=tuple(c["tf_levels"]), tf_table=dict(c["tf_table"]),
            fixed_levels=tuple(c["fixed_levels"]), tf_hash_key=tf_key if hashed else None)
            for c in data["comparisons"]]
        groups = data.get("group_lambdas")
        return cls(comparisons=comparisons, lambda_=data["lambda"], tf_floor=data["tf_floor"],
                   sessions=data["sessions"],
                   group_lambdas=None if groups is None else np.asarray(groups, dtype=np.float64))
