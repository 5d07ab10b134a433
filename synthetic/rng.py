"""Named, independent random streams derived from one seed, so each part stays reproducible."""
from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for one named part of the simulation; same seed and name, same numbers."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def choose(rng: np.random.Generator, mix: tuple[tuple[str, float], ...], size: int) -> np.ndarray:
    """Draw labels from a (label, weight) mix."""
    labels = np.array([label for label, _ in mix], dtype=object)
    weights = np.array([weight for _, weight in mix], dtype=float)
    return labels[rng.choice(len(labels), size=size, p=weights / weights.sum())]


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """k distinct indices drawn with probability proportional to weights (exponential keys)."""
    k = min(k, int((weights > 0).sum()))
    with np.errstate(divide="ignore"):
        keys = rng.exponential(size=len(weights)) / weights
    return np.sort(np.argpartition(keys, k - 1)[:k]) if k > 0 else np.array([], dtype=np.int64)


def zipf_weights(n: int, exponent: float) -> np.ndarray:
    """Weights ~ (rank+1)^-exponent for ranks 0..n-1, normalised."""
    weights = (np.arange(n) + 1.0) ** -exponent
    return weights / weights.sum()


def choose_per_file(rng: np.random.Generator, mix: tuple[tuple[str, float], ...], parts: np.ndarray,
                    consistency: float) -> np.ndarray:
    """Labels drawn as one office writes them: each file part has a dominant label from the mix,
    used for a `consistency` share of its rows; the other rows draw from the whole mix."""
    unique, inverse = np.unique(parts, return_inverse=True)
    dominant = choose(rng, mix, len(unique))[inverse]
    return np.where(rng.random(len(parts)) < consistency, dominant, choose(rng, mix, len(parts)))
