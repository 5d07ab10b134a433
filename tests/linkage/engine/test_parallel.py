"""Speed machinery: spans, and tasks that see the caller's context (its column cache)."""
import contextvars

from linkage.engine.parallel import beside, map_threads, run_spans, spans

SEEN = contextvars.ContextVar("seen", default="unset")


def test_spans_cover_the_range_with_an_optional_first_span():
    assert spans(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert spans(10, 4, first=1) == [(0, 1), (1, 5), (5, 9), (9, 10)]
    assert spans(3, 4, first=8) == [(0, 3)] and spans(0, 4, first=2) == []


def test_every_helper_runs_its_tasks_in_a_copy_of_the_callers_context():
    token = SEEN.set("caller")
    try:
        assert map_threads(lambda item: (item, SEEN.get()), range(4)) == [(k, "caller") for k in range(4)]
        seen = []
        run_spans(lambda begin, end: seen.append(SEEN.get()), spans(4, 1), workers=2)
        assert seen == ["caller"] * 4
        with beside(SEEN.get) as future:
            assert future.result() == "caller"
    finally:
        SEEN.reset(token)
