"""`rosterlink review` in a real browser: Debian's chromium driven by Playwright against the CLI's server.

The pipeline runs on a small synthetic input into a temp output folder (conftest); the server runs in a
subprocess as a case worker would start it; decisions are made with the keyboard and read back
from the decisions store. REVIEW_SCREENSHOT=PATH saves the page's screenshot there too.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from pipelines.files.decisions import DecisionStore

CHROMIUM = "/usr/bin/chromium"
REVIEWER = "worker-7"
URL_LINE = re.compile(r"^open: (http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]+)$")

playwright_api = pytest.importorskip("playwright.sync_api")


@contextmanager
def review_server(output_dir: Path, *extra: str):
    """`rosterlink review` in a subprocess on a free port; yields the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "review", "--output", str(output_dir), "--reviewer", REVIEWER,
         "--port", "0", *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, url, seen = time.monotonic() + 120, None, []
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = URL_LINE.match(line.strip())
            url = found.group(1) if found else None
        assert url, f"the server printed no URL: {seen}"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _status(url: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@contextmanager
def browser_page():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not found: run scripts/ensure_chromium.sh")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            yield page, errors
        finally:
            browser.close()


def _shown_pair(page) -> tuple[int, tuple[tuple[str, str], tuple[str, str]]]:
    section = page.locator("#pair")
    left = (section.get_attribute("data-left-source"), section.get_attribute("data-left-record-id"))
    right = (section.get_attribute("data-right-source"), section.get_attribute("data-right-record-id"))
    return int(section.get_attribute("data-rank")), tuple(sorted((left, right)))


def test_requests_without_the_token_are_refused(finished_run):
    with review_server(finished_run) as url:
        base = url.split("?")[0]
        for path in ("", "static/review.js", "static/review.css", "api/queue"):
            assert _status(base + path) == 403, path
            assert _status(base + path + "?token=wrong") == 403, path
        assert _status(base + "api/decisions", data=b'{"decision": "same"}') == 403
        assert _status(url) == 200
        assert _status(url.replace("/?", "/static/review.js?")) == 200
    assert DecisionStore.for_output(finished_run).history().empty


def test_three_pairs_decided_by_keyboard_are_in_the_store(finished_run, tmp_path):
    store = DecisionStore.for_output(finished_run)
    with review_server(finished_run) as url, browser_page() as (page, errors):
        page.goto(url)
        rank, skipped = _shown_pair(page)
        assert rank == 1
        assert page.locator("#score").count() == 1 and page.locator("#waterfall rect").count() >= 3
        assert page.locator("table.records tbody tr").count() > 5  # every field of the two records
        page.screenshot(path=str(tmp_path / "review_page.png"), full_page=True)
        if os.environ.get("REVIEW_SCREENSHOT"):
            shutil.copy(tmp_path / "review_page.png", os.environ["REVIEW_SCREENSHOT"])

        page.keyboard.press("k")  # skip: nothing stored, the next pair is shown
        page.wait_for_url(re.compile(r"after=1$"))
        expected = {}
        for key, decision in (("s", "same"), ("d", "different"), ("u", "unsure")):
            rank, pair = _shown_pair(page)
            expected[pair] = decision
            page.keyboard.press(key)
            page.wait_for_url(re.compile(rf"after={rank}$"))
        # resumable: a fresh visit shows the skipped pair, the only one undecided
        page.goto(url)
        assert _shown_pair(page)[1] == skipped
        assert errors == []

    current = store.current()
    stored = {tuple(sorted(((r.left_source, r.left_record_id), (r.right_source, r.right_record_id)))): r.decision
              for r in current.itertuples(index=False)}
    assert stored == expected
    assert skipped not in stored
    assert set(current["reviewer"]) == {REVIEWER}


def test_blind_review_shows_no_score(finished_run):
    queue = pd.read_parquet(finished_run / "review_queue.parquet")
    with review_server(finished_run, "--blind") as url, browser_page() as (page, errors):
        page.goto(url)
        assert page.locator("#blind-badge").count() == 1
        assert page.locator("#agreements tbody tr").count() >= 3  # agreements are shown, without weights
        html = page.content()
        assert "match probability" not in html and "waterfall" not in html and "weight" not in html
        for row in queue.itertuples(index=False):
            assert f"{row.match_probability:.3f}" not in html
            assert f"{row.match_weight:.2f}" not in html
        queue_json = page.request.get(url.replace("/?", "/api/queue?")).text()
        assert "match_probability" not in queue_json and "match_weight" not in queue_json
        assert errors == []
