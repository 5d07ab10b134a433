"""The review queue in the order a case worker sees it, most useful pair first (pure, no I/O).

Usefulness, in this order:

1. **Outcome first**: a pair whose decision can change a return or a poverty-list match comes
   before any pair that cannot. Two records in two different persons can change the poverty list
   when exactly one of those persons is on it, and can change the returns when one person has an
   escort record and the other an in-city record (merging them may make a return). Two records
   already in one person can change the poverty list when that person is on it, and the returns
   when that person has any (a split may undo them).
2. **Closest to the threshold**: within each group, the smaller ``|match_weight - threshold
   weight|`` first, where the threshold weight is ``log2(t / (1 - t))`` of the run's match
   threshold: the pairs the model is least sure about.
3. Ties by the pair's record keys, so the order is the same on every start.

A pair with a decision in force (same, different or unsure) is not shown again; a skipped pair
stays in the queue and comes back after the others.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from schemas.contract import CITY_SOURCES, ESCORT_SOURCE

RecordKey = tuple[str, str]
PairKey = tuple[RecordKey, RecordKey]

POVERTY_EFFECT = "can change a poverty-list match"
RETURN_EFFECT = "can change a return"


@dataclass(frozen=True)
class QueuedPair:
    """One pair of the queue at its place in the review order (``rank`` from 1)."""

    rank: int
    left: RecordKey
    right: RecordKey
    match_probability: float
    match_weight: float
    threshold_distance: float
    effects: tuple[str, ...]
    reason: str
    levels: tuple[int, ...]

    @property
    def key(self) -> PairKey:
        return pair_key(self.left, self.right)


def pair_key(left: RecordKey, right: RecordKey) -> PairKey:
    """The pair in canonical order (as the decisions store keeps it)."""
    first, second = sorted((left, right))
    return first, second


def threshold_weight(match_threshold: float) -> float:
    """The match weight (log2 odds) of the match threshold."""
    return math.log2(match_threshold / (1.0 - match_threshold))


@dataclass(frozen=True)
class PersonFacts:
    """What the ordering needs of one person: its id, sources, poverty flag and returns."""

    person_id: str
    sources: frozenset[str]
    on_poverty_list: bool
    n_returns: int


def outcome_effects(left: PersonFacts | None, right: PersonFacts | None) -> tuple[str, ...]:
    """The outcomes a decision on a pair between these two persons can change (rule 1 above)."""
    if left is None or right is None:
        return ()
    effects = []
    if left.person_id == right.person_id:
        if left.on_poverty_list:
            effects.append(POVERTY_EFFECT)
        if left.n_returns > 0:
            effects.append(RETURN_EFFECT)
        return tuple(effects)
    if left.on_poverty_list != right.on_poverty_list:
        effects.append(POVERTY_EFFECT)
    if ((ESCORT_SOURCE in left.sources and not right.sources.isdisjoint(CITY_SOURCES))
            or (ESCORT_SOURCE in right.sources and not left.sources.isdisjoint(CITY_SOURCES))):
        effects.append(RETURN_EFFECT)
    return tuple(effects)


def person_facts(record_links: pd.DataFrame, persons: pd.DataFrame) -> dict[RecordKey, PersonFacts]:
    """Each linked record's person facts, from record_links and persons."""
    facts = {row.person_id: PersonFacts(row.person_id, frozenset(row.sources), bool(row.on_poverty_list),
                                        int(row.n_returns))
             for row in persons[["person_id", "sources", "on_poverty_list", "n_returns"]].itertuples(index=False)}
    return {(row.source, row.record_id): facts[row.person_id]
            for row in record_links[["source", "record_id", "person_id"]].itertuples(index=False)
            if row.person_id in facts}


def order_queue(review_queue: pd.DataFrame, level_columns: Iterable[str], match_threshold: float,
                facts: dict[RecordKey, PersonFacts]) -> list[QueuedPair]:
    """Every pair of review_queue.parquet in review order (the module's rules), one per pair."""
    level_columns = list(level_columns)
    target = threshold_weight(match_threshold)
    unranked = {}
    for row in review_queue.to_dict("records"):
        left, right = (row["left_source"], row["left_record_id"]), (row["right_source"], row["right_record_id"])
        key = pair_key(left, right)
        if key in unranked:
            continue
        weight = float(row["match_weight"])
        unranked[key] = QueuedPair(
            rank=0, left=left, right=right, match_probability=float(row["match_probability"]),
            match_weight=weight, threshold_distance=abs(weight - target),
            effects=outcome_effects(facts.get(left), facts.get(right)), reason=str(row["reason"]),
            levels=tuple(int(row[column]) for column in level_columns))
    ordered = sorted(unranked.values(), key=lambda p: (not p.effects, p.threshold_distance, p.key))
    return [dataclasses.replace(pair, rank=rank) for rank, pair in enumerate(ordered, start=1)]


def decided_pairs(current_decisions: pd.DataFrame) -> set[PairKey]:
    """The pairs with a decision in force (the decisions store's ``current()`` frame)."""
    return {pair_key((row.left_source, row.left_record_id), (row.right_source, row.right_record_id))
            for row in current_decisions.itertuples(index=False)}


def next_pair(queue: list[QueuedPair], decided: set[PairKey], after_rank: int = 0) -> QueuedPair | None:
    """The first undecided pair ranked after ``after_rank``, wrapping round to the start; None when all are decided."""
    open_pairs = [pair for pair in queue if pair.key not in decided]
    later = [pair for pair in open_pairs if pair.rank > after_rank]
    return (later or open_pairs or [None])[0]
