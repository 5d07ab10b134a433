"""The decisions in force (pipelines.files.decisions) mapped onto one run's records.

``same`` -> a must-link, ``different`` -> a cannot-link (row positions); ``unsure`` is kept
and does not bind, but a pair with any decision is not queued for review again. A decision
on a record not in this run is inert (it stays in the store). Same decisions are given newest
first, so when two contradict the newer wins (linkage.engine.constraints states the rest).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.engine.constraints import Resolution
from linkage.engine.settings import PairConstraints

PAIR = ["left_source", "left_record_id", "right_source", "right_record_id"]


def place_decisions(records: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """The decisions in force with left/right row positions in ``records`` (-1 when absent), newest first."""
    position = pd.Series(np.arange(len(records)),
                         index=pd.MultiIndex.from_arrays([records["source"].astype(str),
                                                          records["record_id"].astype(str)]))
    placed = current.sort_values(["decided_at", "id"], ascending=False, kind="stable").reset_index(drop=True)
    for side in ("left", "right"):
        keys = pd.MultiIndex.from_arrays([placed[f"{side}_source"], placed[f"{side}_record_id"]])
        placed[side] = position.reindex(keys).fillna(-1).to_numpy(dtype=np.int64)
    return placed


def constraints_of(placed: pd.DataFrame) -> PairConstraints:
    """must-links (same) and cannot-links (different) between records of this run."""
    present = (placed["left"] >= 0) & (placed["right"] >= 0)

    def pairs(kind: str) -> tuple[np.ndarray, np.ndarray]:
        chosen = placed[present & (placed["decision"] == kind)]
        return chosen["left"].to_numpy(np.int64), chosen["right"].to_numpy(np.int64)

    return PairConstraints(must_link=pairs("same"), cannot_link=pairs("different"))


def drop_decided(queue: pd.DataFrame, placed: pd.DataFrame) -> pd.DataFrame:
    """The review queue without the pairs that carry a decision (either order)."""
    decided = set(map(tuple, placed[PAIR].astype(str).to_numpy().tolist()))
    forward = list(map(tuple, queue[PAIR].astype(str).to_numpy().tolist()))
    backward = list(map(tuple, queue[["right_source", "right_record_id", "left_source",
                                      "left_record_id"]].astype(str).to_numpy().tolist()))
    keep = [f not in decided and b not in decided for f, b in zip(forward, backward)]
    return queue[np.asarray(keep, dtype=bool)].reset_index(drop=True)


def decisions_summary(placed: pd.DataFrame, resolution: Resolution | None) -> dict:
    """run_summary.json's `decisions`: counts in force, binding, inert, and the same decisions set
    aside (by record ids, with the reason)."""
    present = (placed["left"] >= 0) & (placed["right"] >= 0)
    set_aside: list[dict] = []
    if resolution is not None and resolution.set_aside.size:
        sames = placed[present & (placed["decision"] == "same")].reset_index(drop=True)
        for position, reason in zip(resolution.set_aside.tolist(), resolution.reasons):
            row = sames.iloc[position]
            set_aside.append({**{c: str(row[c]) for c in PAIR}, "decision": "same", "reason": reason})
    reasons: dict[str, int] = {}
    for item in set_aside:
        reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    by_kind = placed[present]["decision"].value_counts()
    return {
        "in_force": int(len(placed)),
        "binding_same": int(by_kind.get("same", 0)) - len(set_aside),
        "binding_different": int(by_kind.get("different", 0)),
        "unsure": int(by_kind.get("unsure", 0)),
        "inert": int((~present).sum()),
        "set_aside": len(set_aside),
        "set_aside_by_reason": reasons,
        "set_aside_decisions": set_aside,
    }
