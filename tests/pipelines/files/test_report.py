"""report.html: counts and charts, no personal values, no external assets, renders in Chromium."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from linkage.roster.outcomes import build_persons, find_returns, poverty_matches
from linkage.roster.outcomes.cohorts import escorts, returns_by_cohort
from linkage.roster.outcomes.follow_ups import build_follow_ups
from pipelines.files.report import ReportInputs, city_encounters, prefecture_names, render_report
from pipelines.files.run_summary import FileCounts, build_run_summary
from schemas.outputs import ROSTER_COMPARISONS

# Distinctive synthetic values: none of them may appear in the page.
NAMES = ("鬼谷子虚构", "次旺虚构扎堆", "测试甲乙丙", "桑珠虚构卓玛")
IDS = ("540102198801017777", "540221197512126664", "542421199202023339")
HOUSEHOLDS = ("HHSECRET0001", "HHSECRET0002")
INJECTED = '<a href="http://example.invalid/x">click</a>'
MAX_PAGE_BYTES = 1_500_000


def _normalized() -> pd.DataFrame:
    rows = []
    for i in range(60):
        person = i % 4
        source = ("station", "police", "poverty", "village")[i % 4 if i < 8 else i % 2]
        rows.append({
            "source": source,
            "record_id": f"{source[0]}{i:03d}",
            "name_norm": NAMES[person],
            "sex": "M" if person % 2 else "F",
            "id18": IDS[person] if person < 3 else None,
            "id_status": "valid" if person < 3 else "missing",
            "id_sex": ("F", "M", "F", None)[person],
            "id_birth_date": pd.Timestamp("1988-01-01") if person < 3 else pd.NaT,
            "id_county": "540102" if person < 3 else None,
            "birth_date": pd.NaT,
            "birth_year_lo": 1988, "birth_year_hi": 1988,
            "county_code": ("540102", "540221", "542521", None)[person],
            "prefecture_code": ("540100", "540200", "542500", None)[person],
            "household_id": HOUSEHOLDS[person % 2] if source == "poverty" else None,
            "poverty_status": (INJECTED if i % 8 == 2 else "未脱贫") if source == "poverty" else None,
            "event_date": pd.NaT if source == "poverty" else pd.Timestamp("2021-01-01") + pd.Timedelta(days=20 * i),
            "exit_date": pd.Timestamp("2021-01-03") + pd.Timedelta(days=20 * i) if source == "station" else pd.NaT,
            "exit_type": "escorted_home" if source == "station" else None,
        })
    frame = pd.DataFrame(rows)
    frame["birth_year_lo"] = frame["birth_year_lo"].astype("Int32")
    frame["birth_year_hi"] = frame["birth_year_hi"].astype("Int32")
    return frame


def _pairs(n: int, rng: np.random.Generator) -> pd.DataFrame:
    weight = rng.normal(0, 8, n)
    probability = 1 / (1 + 2.0 ** -(weight - 10))
    pairs = pd.DataFrame({
        "left_source": "station", "left_record_id": [f"s{i}" for i in range(n)],
        "right_source": "police", "right_record_id": [f"p{i}" for i in range(n)],
        "match_probability": probability, "match_weight": weight,
    })
    for comparison in ROSTER_COMPARISONS:
        pairs[f"{comparison}_level"] = np.int8(1)
    return pairs


def report_inputs() -> ReportInputs:
    normalized = _normalized()
    person_id = pd.Series([f"P{i % 4}" for i in range(len(normalized))])
    links = pd.DataFrame({"source": normalized["source"], "record_id": normalized["record_id"],
                          "person_id": person_id, "match_probability": 0.99})
    returns = find_returns(normalized, person_id)
    matches = poverty_matches(normalized, links)
    persons = build_persons(normalized, links, returns, matches)
    pairs = _pairs(400, np.random.default_rng(5))
    queue = pairs[pairs["match_probability"] >= 0.5]
    queue = queue.assign(reason=np.where(queue["match_probability"] >= 0.95, "above_threshold_not_merged",
                                         "probability_in_review_band"))
    counts = normalized.groupby("source").size()
    summary = build_run_summary(
        files=[FileCounts(s, f"{s}/{INJECTED}.csv", int(n) + 1, int(n), 1) for s, n in counts.items()],
        quarantine_reasons={"station": {"missing_required_date:intake_date": 1, "duplicate_record_id": 0},
                            "police": {"missing_record_id": 1}, "poverty": {"missing_record_id": 1},
                            "village": {"duplicate_record_id": 1}},
        persons=len(persons), persons_seen_in_city=int(persons["seen_in_city"].sum()), returns=len(returns),
        poverty_matches=len(matches), review_queue=len(queue),
        thresholds={"match_threshold": 0.95, "review_floor": 0.5}, blocking={}, timings_seconds={"link": 1.0},
    )
    summary["data_quality"] = {"station": {"records": 15, "id_bad_check": 2, "birth_after_event": 1}}
    summary["quality_checks"] = {"quality_suite_station": {"passed": False, "expectations": 6, "failed": 1,
                                                           "failed_expectations": ["expect_x on sex: 3 rows"]}}
    summary["person_status"] = {"inactive_after_days": 90}
    escort_rows = escorts(normalized, person_id)
    cohorts = returns_by_cohort(escort_rows, returns, persons, pd.Timestamp("2024-06-01"))
    return ReportInputs(persons=persons, returns=returns, poverty_matches=matches, match_pairs=pairs,
                        review_queue=queue, city_encounters=city_encounters(normalized, person_id),
                        run_summary=summary, follow_ups=build_follow_ups(persons, returns, normalized, links, matches),
                        returns_by_cohort=cohorts, escorts=escort_rows)


@pytest.fixture(scope="module")
def page() -> str:
    return render_report(report_inputs())


def test_inputs_do_carry_the_personal_values():
    persons = report_inputs().persons
    assert set(persons["name"]) <= set(NAMES) and set(persons["id_number"].dropna()) <= set(IDS)
    assert len(persons) == 4


def test_no_name_id_number_or_household_in_the_page(page: str):
    for value in (*NAMES, *IDS, *HOUSEHOLDS):
        assert value not in page, "a personal value from the input reached the page"
    for value in (*IDS,):
        assert value[:14] not in page and value[-8:] not in page


def test_self_contained_small_and_without_script(page: str):
    assert "<script" not in page.lower() and "plotly" not in page.lower()
    assert not re.search(r"<link[^>]*href\s*=", page, re.IGNORECASE)
    assert len(page.encode("utf-8")) < MAX_PAGE_BYTES


def test_input_text_is_shown_as_text_only(page: str):
    assert INJECTED not in page and "&lt;a href=&quot;http://example.invalid/x&quot;&gt;click&lt;/a&gt;" in page


def test_manager_and_analyst_sections(page: str):
    for text in ("Run", "Returns by home area", "Returns by escort cohort", "Follow-up visits due per home county",
                 "Data quality", "id number whose check digit fails", "the record id is blank",
                 "merging would have joined records", "other status", "城关区"):
        assert text in page, text
    assert "未脱贫" not in page, "a coded value was shown untranslated"
    assert "No previous run on this output folder" in page


def test_person_changes_shown_when_present():
    inputs = report_inputs()
    summary = {**inputs.run_summary, "person_changes": {"created": 7, "merged": 2, "split": 1, "retired": 0,
                                                         "records_changed": 3}, "run_id": "run-0042"}
    page = render_report(ReportInputs(**{**inputs.__dict__, "run_summary": summary}))
    assert "persons merged into another" in page and "run-0042" in page
    assert "No previous run on this output folder" not in page


def test_shows_counts_prefecture_names_and_buckets(page: str):
    assert "拉萨市" in page and "日喀则市" in page and "阿里地区" in page
    assert "366-730" in page
    assert "missing_required_date:intake_date" in page and "a required date is blank (intake_date)" in page
    assert "match threshold (p=0.95)" in page and "review floor (p=0.5)" in page


def test_empty_run_renders():
    inputs = report_inputs()
    empty = ReportInputs(
        persons=inputs.persons.iloc[:0], returns=inputs.returns.iloc[:0],
        poverty_matches=inputs.poverty_matches.iloc[:0], match_pairs=inputs.match_pairs.iloc[:0],
        review_queue=inputs.review_queue.iloc[:0], city_encounters=inputs.city_encounters.iloc[:0],
        run_summary={"contract_version": "1.0"}, follow_ups=inputs.follow_ups.iloc[:0],
        returns_by_cohort=inputs.returns_by_cohort.iloc[:0], escorts=inputs.escorts.iloc[:0],
    )
    assert "No returns in this run." in render_report(empty)


def test_prefecture_names_cover_current_and_former_codes():
    names = prefecture_names()
    assert names["540200"] == "日喀则市" and names["542300"] == "日喀则地区"


_COLLECTOR = """<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push('error: ' + e.message); });
window.addEventListener('unhandledrejection', function (e) { window.__errors.push('rejection: ' + e.reason); });
(function () { var original = console.error; console.error = function () {
  window.__errors.push('console: ' + Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); }; })();
</script>"""
_REPORTER = """<script>
window.addEventListener('load', function () { setTimeout(function () {
  var out = document.createElement('pre'); out.id = 'collected-errors';
  out.textContent = JSON.stringify({errors: window.__errors, plots: document.querySelectorAll('svg.chart').length,
    links: document.querySelectorAll('a').length});
  document.body.appendChild(out); }, 500); });
</script>"""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_renders_in_headless_chromium_without_errors(page: str, tmp_path: Path):
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium not found: run scripts/ensure_chromium.sh")
    probe = tmp_path / "report_probe.html"
    probe.write_text(page.replace("<head>", "<head>" + _COLLECTOR, 1).replace("</body>", _REPORTER + "</body>"),
                     encoding="utf-8")
    dumped = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    found = re.search(r'<pre id="collected-errors">(.*?)</pre>', dumped, re.DOTALL)
    assert found, "the page did not finish loading in chromium"

    collected = json.loads(found.group(1).replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&"))
    assert collected["errors"] == []
    assert collected["plots"] >= 10
    assert collected["links"] == 0, "input text became a link"
