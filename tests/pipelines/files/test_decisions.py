"""pipelines.files.decisions: the append-only decisions store."""
import stat
from datetime import datetime, timedelta, timezone

import pytest

from pipelines.files.decisions import Decision, DecisionError, DecisionStore

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def _decision(decision: str, at: datetime, left=("station", "s1"), right=("police", "p1")) -> Decision:
    return Decision(left[0], left[1], right[0], right[1], decision, "worker-1", at)


def test_later_decision_supersedes_and_history_keeps_both(tmp_path):
    store = DecisionStore.for_output(tmp_path)
    store.add([_decision("same", T0)])
    # the same pair written the other way round is the same pair
    store.add([_decision("different", T0 + timedelta(hours=1), left=("police", "p1"), right=("station", "s1"))])
    assert len(store.history()) == 2
    current = store.current()
    assert current[["left_source", "left_record_id", "decision"]].values.tolist() == [["police", "p1", "different"]]


def test_an_invalid_decision_stores_nothing_of_its_batch(tmp_path):
    store = DecisionStore.for_output(tmp_path)
    with pytest.raises(DecisionError, match="decision must be one of"):
        store.add([_decision("same", T0), _decision("maybe", T0)])
    with pytest.raises(DecisionError, match="two different records"):
        store.add([_decision("same", T0, right=("station", "s1"))])
    assert store.history().empty


def test_store_file_is_owner_only(tmp_path):
    store = DecisionStore.for_output(tmp_path)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
