"""pipelines.review.queue: the review order (outcome first, then closest to the threshold) and what is shown next."""
import math

import pandas as pd

from pipelines.review.queue import (POVERTY_EFFECT, RETURN_EFFECT, PersonFacts, decided_pairs, next_pair,
                                    order_queue, outcome_effects, threshold_weight)

LEVELS = ["name_level"]


def _facts(person_id, sources, poverty=False, returns=0):
    return PersonFacts(person_id, frozenset(sources), poverty, returns)


def _queue_row(left, right, weight):
    return {"left_source": left[0], "left_record_id": left[1], "right_source": right[0], "right_record_id": right[1],
            "match_probability": 1 / (1 + 2 ** -weight), "match_weight": weight, "name_level": 2,
            "reason": "probability_in_review_band"}


def test_outcome_effects_between_two_persons_and_inside_one():
    escorted = _facts("P1", {"station"})
    seen_in_city = _facts("P2", {"police"})
    village_only = _facts("P3", {"village"})
    on_list = _facts("P4", {"poverty"}, poverty=True)
    assert outcome_effects(escorted, seen_in_city) == (RETURN_EFFECT,)
    assert outcome_effects(seen_in_city, escorted) == (RETURN_EFFECT,)
    assert outcome_effects(seen_in_city, village_only) == ()      # no escort on either side: no return to make
    assert outcome_effects(village_only, on_list) == (POVERTY_EFFECT,)
    assert outcome_effects(on_list, on_list) == (POVERTY_EFFECT,)  # one person on the list: a split may take it off
    with_return = _facts("P5", {"station", "police"}, returns=1)
    assert outcome_effects(with_return, with_return) == (RETURN_EFFECT,)
    assert outcome_effects(None, on_list) == ()


def test_order_puts_outcome_pairs_first_then_the_closest_to_the_threshold():
    threshold = 0.3
    target = threshold_weight(threshold)
    assert math.isclose(target, math.log2(0.3 / 0.7))
    a, b, c, d, e, f = (("station", "s1"), ("police", "p1"), ("village", "v1"), ("village", "v2"),
                        ("police", "p2"), ("village", "v3"))
    facts = {a: _facts("P1", {"station"}), b: _facts("P2", {"police"}),
             c: _facts("P3", {"village"}), d: _facts("P4", {"village"}),
             e: _facts("P5", {"police"}), f: _facts("P6", {"village"})}
    queue = pd.DataFrame([
        _queue_row(c, d, target + 0.1),   # no effect, closest
        _queue_row(a, b, target - 3.0),   # a return possible, far
        _queue_row(f, e, target - 0.5),   # no effect, farther
        _queue_row(d, c, target + 0.1),   # the first pair again, the other way round: listed once
    ])
    ordered = order_queue(queue, LEVELS, threshold, facts)
    assert [(p.rank, p.left, p.right) for p in ordered] == [(1, a, b), (2, c, d), (3, f, e)]
    assert ordered[0].effects == (RETURN_EFFECT,) and ordered[1].effects == ()
    assert math.isclose(ordered[2].threshold_distance, 0.5)
    assert ordered[0].levels == (2,)


def test_next_pair_skips_decided_pairs_and_wraps_round():
    a, b, c, d = ("station", "s1"), ("police", "p1"), ("village", "v1"), ("village", "v2")
    queue = order_queue(pd.DataFrame([_queue_row(a, b, 0.0), _queue_row(c, d, 1.0), _queue_row(a, d, 2.0)]),
                        LEVELS, 0.5, {})
    current = pd.DataFrame([{"left_source": "village", "left_record_id": "v2",  # stored the other way round
                             "right_source": "village", "right_record_id": "v1", "decision": "unsure"}])
    decided = decided_pairs(current)
    assert next_pair(queue, decided).rank == 1
    assert next_pair(queue, decided, after_rank=1).rank == 3  # rank 2 is decided
    assert next_pair(queue, decided, after_rank=3).rank == 1  # a skipped pair comes back after the others
    assert next_pair(queue, decided | {queue[0].key, queue[2].key}) is None
