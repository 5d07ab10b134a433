"""Blocking key builders: KeyFn factories giving an int64 code per row (-1 = no key under the rule).

Records sharing a code form a block (``linkage.engine.blocking.candidate_pairs``). Codes of
distinct values differ; their numbering carries no meaning beyond that.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.engine.settings import KeyFn


def text_key(*columns: str) -> KeyFn:
    """KeyFn: int64 code of the combination of ``columns``, each read as stripped text; -1 when
    any of them is missing or blank."""

    def key(df: pd.DataFrame) -> np.ndarray:
        frame = pd.DataFrame({c: df[c].astype("string").str.strip() for c in columns})
        missing = (frame.isna() | (frame == "")).any(axis=1).to_numpy()
        codes = frame.groupby(list(columns), sort=False, dropna=False).ngroup().to_numpy()
        return np.where(missing, -1, codes).astype(np.int64)

    return key


def code_key(column: str) -> KeyFn:
    """KeyFn read straight from an int64 code column (-1 = missing)."""

    def key(df: pd.DataFrame) -> np.ndarray:
        return df[column].to_numpy(dtype=np.int64)

    key.__name__ = f"{column}_key"
    return key


def combined_codes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One int64 code per distinct (first, second) pair of codes; -1 if either is -1."""
    width = np.int64(max(int(second.max(initial=-1)) + 1, 1))
    return np.where((first >= 0) & (second >= 0), first * width + second, -1).astype(np.int64)


def code_pair_key(first: str, second: str) -> KeyFn:
    """KeyFn on two int64 code columns together (``combined_codes``)."""

    def key(df: pd.DataFrame) -> np.ndarray:
        return combined_codes(df[first].to_numpy(dtype=np.int64), df[second].to_numpy(dtype=np.int64))

    key.__name__ = f"{first}_{second}_key"
    return key
