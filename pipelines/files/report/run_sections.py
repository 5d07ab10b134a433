"""Sections about the run itself: metadata, overview, change against the previous run, rows per
source, persons by sources and status, monthly inflow and outflow of the by-name list."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd

from linkage.roster.outcomes.labels import label
from linkage.roster.outcomes.persons import PERSON_STATUSES
from pipelines.files.report.inputs import ReportInputs
from pipelines.files.report.page import Page
from pipelines.files.report.svg import Series, column_chart, hbar_chart
from schemas.contract import SOURCES

CHANGE_KINDS: dict[str, str] = {
    "created": "new persons", "merged": "persons merged into another", "split": "persons split",
    "retired": "persons retired (no record left)", "records_changed": "persons whose records changed",
}


def metadata(page: Page, summary: dict[str, Any]) -> None:
    thresholds = summary.get("thresholds", {})
    cohorts = summary.get("returns_by_cohort", {})
    written = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    items: list[tuple[str, object]] = [
        ("run id", summary.get("run_id", "not recorded")),
        ("started", summary.get("started_at", f"report written {written}")),
        ("finished", summary.get("finished_at", "")),
        ("rosterlink version", summary.get("rosterlink_version", "")),
        ("contract version", summary.get("contract_version", "")),
        ("input folder", summary.get("input_folder", "")),
        ("engine", summary.get("engine", "")),
        ("match threshold", thresholds.get("match_threshold", "")),
        ("review floor", thresholds.get("review_floor", "")),
        ("pairs floor", thresholds.get("pairs_floor", "")),
        ("inactive after (days unseen)", summary.get("person_status", {}).get("inactive_after_days", "")),
        ("escort cohorts", f"per {cohorts.get('period', 'quarter')}, measured to {cohorts.get('measured_to', '')}"),
    ]
    page.heading("Run")
    page.definitions([(k, v) for k, v in items if v != ""])


def overview(page: Page, inputs: ReportInputs) -> None:
    summary = inputs.run_summary
    page.heading("Overview")
    page.table(pd.DataFrame({
        "count": ["rows read", "rows linked", "rows quarantined", "persons", "persons met in the city",
                  "escorts followed by a return", "persons due a follow-up visit", "poverty-list matches",
                  "pairs waiting for review"],
        "value": [summary.get("rows_read", 0), summary.get("rows_linked", 0), summary.get("rows_quarantined", 0),
                  len(inputs.persons), int(inputs.persons["seen_in_city"].sum()), len(inputs.returns),
                  len(inputs.follow_ups), len(inputs.poverty_matches), len(inputs.review_queue)],
    }))


def changes(page: Page, summary: dict[str, Any]) -> None:
    found = summary.get("person_changes")
    page.heading("Change against the previous run", "Persons created, merged, split or retired since the "
                 "previous completed run on this output folder (person_changes.parquet).")
    if not isinstance(found, dict):
        page.note("No previous run on this output folder, or its changes were not recorded.")
        return
    page.table(pd.DataFrame([(CHANGE_KINDS.get(str(k), str(k)), v) for k, v in found.items()],
                            columns=["change", "persons"]))


def rows_per_source(page: Page, summary: dict[str, Any]) -> None:
    page.heading("Rows per source", "Every input row is either linked to a person or quarantined with a reason.")
    sources = summary.get("sources", {})
    names = [s for s in SOURCES if s in sources] + sorted(set(sources) - set(SOURCES))
    if not names:
        page.empty("input rows")
        return
    page.chart(hbar_chart("Rows linked and quarantined per source", [label("source", s) for s in names], [
        Series("linked", [sources[s]["rows_linked"] for s in names]),
        Series("quarantined", [sources[s]["rows_quarantined"] for s in names]),
    ], stacked=True, value_label="rows"))
    page.table(pd.DataFrame(
        [(s, f, c["rows_read"], c["rows_linked"], c["rows_quarantined"])
         for s in names for f, c in sorted(sources[s].get("files", {}).items())],
        columns=["source", "file", "rows read", "rows linked", "rows quarantined"],
    ), folded_as="Rows per file")


def persons_by_sources(page: Page, persons: pd.DataFrame) -> None:
    page.heading("Persons by number of sources", "How many of the four rosters each person was found in.")
    counts = persons["sources"].map(len).value_counts().sort_index()
    page.chart(column_chart("Persons by number of sources", [str(k) for k in counts.index],
                            [Series("persons", counts.tolist())], x_label="sources", y_label="persons"))


def _month(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("M")


def status_and_flow(page: Page, inputs: ReportInputs) -> None:
    persons, summary = inputs.persons, inputs.run_summary
    days = summary.get("person_status", {}).get("inactive_after_days", "N")
    page.heading("The by-name list: status and monthly flow",
                 f"Status as of the data's last date: returned (came back after an escort within the last {days} "
                 f"days), active (met in the city within {days} days), inactive (not seen for longer; never deleted). "
                 "Inflow: persons met in the city for the first time, and returns after an escort. Outflow: escorts "
                 f"home or hand-overs, and persons becoming inactive ({days} days after they were last met).")
    status = persons["status"].value_counts().reindex(list(PERSON_STATUSES), fill_value=0)
    page.table(pd.DataFrame({"status": list(PERSON_STATUSES), "meaning": [label("status", s) for s in PERSON_STATUSES],
                             "persons": status.tolist()}))
    encounters = inputs.city_encounters
    if encounters.empty:
        page.empty("station or police records")
        return
    first = _month(encounters.groupby("person_id")["event_date"].min()).value_counts()
    returns = _month(inputs.returns["return_date"]).value_counts()
    escorts = _month(inputs.escorts["escort_date"]).value_counts()
    last = persons["last_seen_in_city"].dropna()
    inactive = _month(pd.to_datetime(last) + pd.Timedelta(days=int(days) if isinstance(days, int) else 90))
    latest = _month(encounters["event_date"]).max()
    inactive = inactive[inactive <= latest].value_counts()
    span = pd.period_range(_month(encounters["event_date"]).min(), latest, freq="M")
    flow = pd.DataFrame({name: counts.reindex(span, fill_value=0) for name, counts in (
        ("new in the city", first), ("returns", returns), ("escorts", escorts), ("became inactive", inactive))})
    labels = [str(p) for p in span]
    page.chart(column_chart("Inflow per month", labels, [Series("new in the city", flow["new in the city"].tolist()),
                                                         Series("returns", flow["returns"].tolist())],
                            stacked=True, y_label="persons", x_label="month"))
    page.chart(column_chart("Outflow per month", labels, [Series("escorts", flow["escorts"].tolist()),
                                                          Series("became inactive", flow["became inactive"].tolist())],
                            stacked=True, y_label="persons", x_label="month"))
