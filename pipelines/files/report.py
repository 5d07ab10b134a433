"""report.html: one self-contained page of counts and charts for analysts, never a name or id number.

Charts are plotly figures; plotly.js is inlined once (first figure) so the page needs no network.
Everything shown is a count, a source, a file, a reason code, a month, a bucket, a prefecture
(named from its code) or a poverty status; person-level values never reach the page.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from linkage.roster.addresses import divisions
from schemas.contract import CITY_SOURCES, SOURCES
from schemas.outputs import RETURN_BUCKETS

NOT_ON_LIST = "not on the list"
UNKNOWN_AREA = "unknown"
_PLOT_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass(frozen=True)
class ReportInputs:
    """The run's output frames (contract columns) and its run_summary dict.

    city_encounters: one row per station or police record, columns person_id and event_date
    (see city_encounters()); it is the only per-record date the outputs do not carry.
    """

    persons: pd.DataFrame
    returns: pd.DataFrame
    poverty_matches: pd.DataFrame
    match_pairs: pd.DataFrame
    review_queue: pd.DataFrame
    city_encounters: pd.DataFrame
    run_summary: dict[str, Any]


def city_encounters(normalized: pd.DataFrame, person_id: pd.Series) -> pd.DataFrame:
    """person_id and event_date of every station or police record with an event date."""
    is_city = normalized["source"].isin(CITY_SOURCES).to_numpy() & normalized["event_date"].notna().to_numpy()
    return pd.DataFrame({
        "person_id": np.asarray(person_id, dtype=object)[is_city],
        "event_date": normalized["event_date"].to_numpy()[is_city],
    })


@lru_cache(maxsize=1)
def prefecture_names() -> dict[str, str]:
    """Prefecture code -> name from the packaged division table (current names win over former ones)."""
    rows = [r for r in divisions() if r["level"] == "prefecture"]
    names = {r["code"]: r["name"] for r in rows if r["status"] != "current"}
    names.update({r["code"]: r["name"] for r in rows if r["status"] == "current"})
    return names


def _per_month(months: pd.Series, counts: pd.Series) -> pd.Series:
    """counts indexed by month period, over every month from the first to the last (zeros filled)."""
    span = pd.period_range(months.min(), months.max(), freq="M")
    return counts.reindex(span, fill_value=0).set_axis(span.to_timestamp())


class _Page:
    """Sections of the page; plotly.js goes inline with the first figure only."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._plotly_included = False

    def heading(self, text: str, note: str = "") -> None:
        self.parts.append(f"<h2>{html.escape(text)}</h2>")
        if note:
            self.parts.append(f"<p class='note'>{html.escape(note)}</p>")

    def figure(self, fig: go.Figure) -> None:
        fig.update_layout(template="plotly_white", height=380, margin={"l": 60, "r": 20, "t": 40, "b": 60})
        self.parts.append(fig.to_html(full_html=False, include_plotlyjs=not self._plotly_included,
                                      config=_PLOT_CONFIG))
        self._plotly_included = True

    def table(self, frame: pd.DataFrame, folded_as: str = "") -> None:
        """An HTML table of frame; folded_as puts it in a <details> block with that summary."""
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
            for row in frame.itertuples(index=False)
        )
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        if folded_as:
            table = f"<details><summary>{html.escape(folded_as)}</summary>{table}</details>"
        self.parts.append(table)

    def empty(self, what: str) -> None:
        self.parts.append(f"<p class='empty'>No {html.escape(what)} in this run.</p>")


def _overview(page: _Page, inputs: ReportInputs) -> None:
    summary = inputs.run_summary
    page.heading("Overview")
    page.table(pd.DataFrame({
        "count": ["rows read", "rows linked", "rows quarantined", "persons", "persons met in the city",
                  "escorts followed by a return", "poverty-list matches", "pairs waiting for review"],
        "value": [summary.get("rows_read", 0), summary.get("rows_linked", 0), summary.get("rows_quarantined", 0),
                  len(inputs.persons), int(inputs.persons["seen_in_city"].sum()), len(inputs.returns),
                  len(inputs.poverty_matches), len(inputs.review_queue)],
    }))


def _rows_per_source(page: _Page, summary: dict[str, Any]) -> None:
    page.heading("Rows per source", "Every input row is either linked to a person or quarantined with a reason.")
    sources = summary.get("sources", {})
    names = [s for s in SOURCES if s in sources] + sorted(set(sources) - set(SOURCES))
    if not names:
        page.empty("input rows")
        return
    fig = go.Figure([
        go.Bar(name="linked", x=names, y=[sources[s]["rows_linked"] for s in names]),
        go.Bar(name="quarantined", x=names, y=[sources[s]["rows_quarantined"] for s in names]),
    ])
    fig.update_layout(barmode="stack", title="Rows linked and quarantined per source", yaxis_title="rows")
    page.figure(fig)
    page.table(pd.DataFrame(
        [(s, f, c["rows_read"], c["rows_linked"], c["rows_quarantined"])
         for s in names for f, c in sorted(sources[s].get("files", {}).items())],
        columns=["source", "file", "rows read", "rows linked", "rows quarantined"],
    ), folded_as="Rows per file")


def _quarantine_reasons(page: _Page, summary: dict[str, Any]) -> None:
    page.heading("Quarantine reasons per source")
    reasons = pd.DataFrame(
        [(s, r, n) for s, by_reason in summary.get("quarantine_reasons", {}).items() for r, n in by_reason.items()],
        columns=["source", "reason", "rows"],
    )
    reasons = reasons[reasons["rows"] > 0]
    if reasons.empty:
        page.empty("quarantined rows")
        return
    fig = go.Figure([go.Bar(name=reason, x=part["source"], y=part["rows"])
                     for reason, part in reasons.groupby("reason", sort=True)])
    fig.update_layout(barmode="stack", title="Quarantined rows by reason", yaxis_title="rows")
    page.figure(fig)
    page.table(reasons.sort_values(["source", "reason"]))


def _persons_by_sources(page: _Page, persons: pd.DataFrame) -> None:
    page.heading("Persons by number of sources", "How many of the four rosters each person was found in.")
    counts = persons["sources"].map(len).value_counts().sort_index()
    fig = go.Figure(go.Bar(x=[str(k) for k in counts.index], y=counts.to_numpy()))
    fig.update_layout(title="Persons by number of sources", xaxis_title="sources", yaxis_title="persons",
                      xaxis_type="category")
    page.figure(fig)


def _city_per_month(page: _Page, encounters: pd.DataFrame) -> None:
    page.heading("People met in the city per month", "Distinct persons with a station intake or police encounter.")
    if encounters.empty:
        page.empty("station or police records")
        return
    months = pd.to_datetime(encounters["event_date"]).dt.to_period("M")
    per_month = _per_month(months, encounters.groupby(months)["person_id"].nunique())
    fig = go.Figure(go.Bar(x=per_month.index, y=per_month.to_numpy()))
    fig.update_layout(title="Persons met in the city per month", xaxis_title="month", yaxis_title="persons",
                      xaxis_tickformat="%Y-%m")
    page.figure(fig)


def _returns(page: _Page, returns: pd.DataFrame) -> None:
    page.heading("Returns after an escort home",
                 "An escort home or hand-over followed by a station intake or police encounter on a later day.")
    if returns.empty:
        page.empty("returns")
        return
    months = pd.to_datetime(returns["return_date"]).dt.to_period("M")
    per_month = _per_month(months, months.value_counts())
    fig = go.Figure(go.Bar(x=per_month.index, y=per_month.to_numpy()))
    fig.update_layout(title="Returns per month (month of the return)", xaxis_title="month", yaxis_title="returns",
                      xaxis_tickformat="%Y-%m")
    page.figure(fig)
    buckets = returns["days_bucket"].value_counts().reindex(list(RETURN_BUCKETS), fill_value=0)
    fig = go.Figure(go.Bar(x=list(RETURN_BUCKETS), y=buckets.to_numpy()))
    fig.update_layout(title="Time to return", xaxis_title="days from exit to return", yaxis_title="returns",
                      xaxis_type="category")
    page.figure(fig)


def _poverty_by_area(page: _Page, persons: pd.DataFrame, matches: pd.DataFrame) -> None:
    page.heading("Poverty list among people met in the city, by home prefecture",
                 "Persons with a station or police record, by poverty status of their linked registry record.")
    city = persons[persons["seen_in_city"].astype(bool)]
    if city.empty:
        page.empty("persons met in the city")
        return
    best = matches.sort_values(["person_id", "match_probability"], ascending=[True, False]).drop_duplicates("person_id")
    status = city["person_id"].map(best.set_index("person_id")["poverty_status"])
    status = status.where(status.notna(), "status not given").where(city["on_poverty_list"].astype(bool), NOT_ON_LIST)
    names = prefecture_names()
    area = city["home_prefecture_code"].map(lambda code: names.get(code, code) if code else UNKNOWN_AREA)
    table = pd.crosstab(area.to_numpy(), status.to_numpy())
    order = table.sum(axis=1).sort_values(ascending=False, kind="stable").index
    table = table.loc[[a for a in order if a != UNKNOWN_AREA] + [a for a in order if a == UNKNOWN_AREA]]
    fig = go.Figure([go.Bar(name=s, x=table.index, y=table[s]) for s in table.columns])
    fig.update_layout(barmode="stack", title="Persons met in the city by home prefecture and poverty status",
                      xaxis_title="home prefecture", yaxis_title="persons")
    page.figure(fig)
    on_list = table.drop(columns=[NOT_ON_LIST], errors="ignore").sum(axis=1)
    share = pd.DataFrame({"home prefecture": table.index, "persons met in the city": table.sum(axis=1).to_numpy(),
                          "on the poverty list": on_list.to_numpy()})
    share["share on the list"] = (share["on the poverty list"] / share["persons met in the city"]).map("{:.0%}".format)
    page.table(share)


def _prior_log2_odds(pairs: pd.DataFrame) -> float | None:
    """log2 prior odds that turns a match weight into its probability, read off the scored pairs."""
    p = pairs["match_probability"].to_numpy(dtype=float)
    inner = (p > 1e-9) & (p < 1 - 1e-9)
    if not inner.any():
        return None
    return float(np.median(np.log2(p[inner] / (1 - p[inner])) - pairs["match_weight"].to_numpy(dtype=float)[inner]))


def weight_histogram(weights: np.ndarray, bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Pairs per match-weight bin and the bin edges: the chart carries bins, never one point per pair."""
    finite = weights[np.isfinite(weights)]
    return np.histogram(finite, bins=bins)


def _match_weights(page: _Page, pairs: pd.DataFrame, thresholds: dict[str, float]) -> None:
    page.heading("Match weights of scored pairs",
                 "Pairs at or above the match threshold may join a person; pairs between the review floor "
                 "and the threshold wait for review.")
    if pairs.empty:
        page.empty("scored pairs")
        return
    counts, edges = weight_histogram(pairs["match_weight"].to_numpy(dtype=np.float64))
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), name="pairs"))
    prior = _prior_log2_odds(pairs)
    for label, key, side in (("match threshold", "match_threshold", "top right"),
                             ("review floor", "review_floor", "top left")):
        probability = thresholds.get(key)
        if prior is None or probability is None or not 0 < probability < 1:
            continue
        weight = float(np.log2(probability / (1 - probability)) - prior)
        fig.add_vline(x=weight, line_dash="dash", annotation_text=f"{label} (p={probability:g})",
                      annotation_position=side)
    fig.update_layout(title="Match weight distribution", xaxis_title="match weight (log2 Bayes factor)",
                      yaxis_title="pairs")
    page.figure(fig)


def _review_queue(page: _Page, queue: pd.DataFrame) -> None:
    page.heading("Review queue", "Record pairs an analyst should look at before they are merged or kept apart.")
    if queue.empty:
        page.empty("pairs waiting for review")
        return
    page.table(queue["reason"].value_counts().rename_axis("reason").reset_index(name="pairs"))


_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
.note, .empty { color: #555; }
"""


def render_report(outputs: ReportInputs) -> str:
    """The whole report.html page as a string."""
    summary = outputs.run_summary
    page = _Page()
    _overview(page, outputs)
    _rows_per_source(page, summary)
    _quarantine_reasons(page, summary)
    _persons_by_sources(page, outputs.persons)
    _city_per_month(page, outputs.city_encounters)
    _returns(page, outputs.returns)
    _poverty_by_area(page, outputs.persons, outputs.poverty_matches)
    _match_weights(page, outputs.match_pairs, summary.get("thresholds", {}))
    _review_queue(page, outputs.review_queue)
    version = html.escape(str(summary.get("contract_version", "")))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>rosterlink run report</title><style>{_STYLE}</style></head><body>"
        f"<h1>rosterlink run report</h1><p class='note'>Contract version {version}. "
        "Counts and charts only: no names or id numbers.</p>"
        + "".join(page.parts) + "</body></html>"
    )
