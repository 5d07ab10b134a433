"""report.html: one self-contained page for a manager and an analyst, counts and charts only,
never a name, id number, household or address.

Charts are inline SVG drawn by pipelines.files.report.svg (no script, no plotly.js: the page stays
small and works offline). Every text from the input (a file name, a status, a place) is escaped
as plain text in every label, legend, tooltip and table cell.
"""
from __future__ import annotations

import html

from pipelines.files.report import outcome_sections, quality_sections, run_sections
from pipelines.files.report.inputs import ReportInputs, city_encounters
from pipelines.files.report.page import STYLE, Page
from pipelines.files.report.places import prefecture_names

__all__ = ["ReportInputs", "city_encounters", "prefecture_names", "render_report"]


def render_report(inputs: ReportInputs) -> str:
    """The whole report.html page as a string."""
    summary = inputs.run_summary
    page = Page()
    run_sections.metadata(page, summary)
    run_sections.overview(page, inputs)
    run_sections.changes(page, summary)
    outcome_sections.returns_by_area(page, inputs)
    outcome_sections.cohorts(page, inputs)
    outcome_sections.returns_timing(page, inputs.returns)
    outcome_sections.follow_ups_per_county(page, inputs.follow_ups)
    run_sections.status_and_flow(page, inputs)
    outcome_sections.poverty(page, inputs)
    quality_sections.data_quality(page, summary)
    run_sections.rows_per_source(page, summary)
    run_sections.persons_by_sources(page, inputs.persons)
    quality_sections.match_weights(page, inputs.match_pairs, summary.get("thresholds", {}))
    quality_sections.review_queue(page, inputs.review_queue)
    version = html.escape(str(summary.get("contract_version", "")))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>rosterlink run report</title><style>{STYLE}</style></head><body>"
        f"<h1>rosterlink run report</h1><p class='note'>Contract version {version}. "
        "Counts and charts only: no names or id numbers.</p>"
        + "".join(page.parts) + "</body></html>"
    )
