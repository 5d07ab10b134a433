"""pipelines.review.app through Starlette's test client: the token gate, headers, escaping, decisions, a moved input."""
import json

import pytest
from starlette.testclient import TestClient

from pipelines.files.decisions import DecisionStore
from pipelines.review.app import ReviewSession, build_app
from pipelines.review.loading import load_review_data

TOKEN = "test-token"


def _client(output_dir, reviewer="worker-1", blind=False) -> tuple[TestClient, ReviewSession]:
    session = ReviewSession(load_review_data(output_dir), DecisionStore.for_output(output_dir), reviewer, blind, TOKEN)
    return TestClient(build_app(session)), session


def _body(pair, decision="same"):
    return {"left_source": pair.left[0], "left_record_id": pair.left[1], "right_source": pair.right[0],
            "right_record_id": pair.right[1], "decision": decision}


def test_every_response_has_the_policy_headers_and_values_are_escaped(finished_run):
    client, _ = _client(finished_run, reviewer="<script>alert(1)</script>")
    refused = client.get("/static/review.css")
    page = client.get(f"/?token={TOKEN}")
    for response in (refused, page):
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
    assert refused.status_code == 403 and page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "https://" not in page.text and "http://" not in page.text  # no external asset


def test_a_decision_is_stored_at_once_with_the_reviewer_and_not_shown_again(finished_run):
    client, session = _client(finished_run)
    first = session.data.queue[0]
    response = client.post(f"/api/decisions?token={TOKEN}", json={**_body(first, "different"), "note": "seen twice"})
    assert response.status_code == 200 and response.json()["remaining"] == len(session.data.queue) - 1
    stored = DecisionStore.for_output(finished_run).current()
    assert stored[["decision", "reviewer", "note"]].values.tolist() == [["different", "worker-1", "seen twice"]]
    page = client.get(f"/?token={TOKEN}").text
    assert f'data-rank="{first.rank}"' not in page
    assert json.loads(client.get(f"/api/queue?token={TOKEN}").text)["pairs"][0]["decision"] == "different"


@pytest.mark.parametrize("change, error", [
    ({"decision": "maybe"}, "decision must be one of"),
    ({"right_record_id": "NOT-IN-QUEUE"}, "not in the review queue"),
])
def test_a_bad_decision_is_refused_and_nothing_stored(finished_run, change, error):
    client, session = _client(finished_run)
    response = client.post(f"/api/decisions?token={TOKEN}", json={**_body(session.data.queue[0]), **change})
    assert response.status_code == 400 and error in response.json()["error"]
    assert DecisionStore.for_output(finished_run).history().empty


def test_a_moved_input_folder_is_said_on_the_page(finished_run, tmp_path):
    summary_path = finished_run / "run_summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    summary["input_folder"] = str(tmp_path / "moved-away")
    summary_path.write_text(json.dumps(summary), encoding="utf-8")
    client, session = _client(finished_run)
    page = client.get(f"/?token={TOKEN}").text
    assert 'id="input-problem"' in page and "moved-away" in page and "is not there" in page
    assert "without the term-frequency adjustment" in page  # the waterfall from the model's level weights
    assert session.data.queue[0].left[1] in page
