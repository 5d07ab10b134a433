"""Sections about outcomes: returns by escort cohort and by home area, follow-ups due per county,
poverty status of the people met in the city and of those who came back."""
from __future__ import annotations

import pandas as pd

from linkage.roster.outcomes.cohorts import WINDOWS_DAYS, overall_by_period
from linkage.roster.outcomes.labels import label, poverty_status_code
from pipelines.files.report.inputs import ReportInputs
from pipelines.files.report.page import Page
from pipelines.files.report.places import area_names, unknown_last
from pipelines.files.report.svg import Series, column_chart, hbar_chart
from schemas.outputs import RETURN_BUCKETS

NOT_ON_LIST = "not on the list"


def _rate(counts: pd.Series, escorts: pd.Series) -> str:
    """`share (returns/escorts)` over the cohorts measured for this window; blank when none is."""
    measured = counts.notna()
    n, d = int(counts[measured].sum()), int(escorts[measured].sum())
    return f"{n / d:.0%} ({n}/{d})" if d else "too recent"


def cohorts(page: Page, inputs: ReportInputs) -> None:
    summary = inputs.run_summary.get("returns_by_cohort", {})
    page.heading("Returns by escort cohort",
                 f"Of the persons escorted home or handed over in each {summary.get('period', 'quarter')}, the share "
                 f"met in the city again within {', '.join(map(str, WINDOWS_DAYS))} days (after HUD's System "
                 "Performance Measure 2): each person's first escort in the period counts once, with at most one "
                 f"return. A window is left out while the cohort is too recent to be measured (data end "
                 f"{summary.get('measured_to', '')}).")
    table = inputs.returns_by_cohort
    if table.empty:
        page.empty("escorts")
        return
    overall = overall_by_period(table)
    labels = [pd.Timestamp(d).strftime("%Y-%m") for d in overall["cohort_start"]]
    page.chart(column_chart("Share of each escort cohort back in the city", labels, [
        Series(f"within {w} days", [None if pd.isna(v) else float(v) for v in overall[f"returned_{w}"]])
        for w in WINDOWS_DAYS], percent=True, y_label="share of escorts", x_label="cohort (start of the period)"))
    page.table(pd.DataFrame({"cohort": labels, "escorts": overall["escorts"].astype(int).tolist(), **{
        f"within {w} days": [v if pd.isna(v) else f"{v:.0%}" for v in overall[f"returned_{w}"]]
        for w in WINDOWS_DAYS}}).fillna("too recent"), folded_as="Shares per cohort")


def returns_by_area(page: Page, inputs: ReportInputs) -> None:
    page.heading("Returns by home area", "Return rates per home county over every cohort old enough for the window "
                 "(returns within the window / escorts of those cohorts).")
    table = inputs.returns_by_cohort
    if table.empty:
        page.empty("escorts")
        return
    table = table.assign(prefecture=area_names(table["home_prefecture_code"], "prefecture"),
                         county=area_names(table["home_county_code"], "county"))
    rows = []
    for (prefecture, county), part in table.groupby(["prefecture", "county"], sort=True):
        rows.append({"home prefecture": prefecture, "home county": county, "escorts": int(part["escorts"].sum()),
                     **{f"back within {w} days": _rate(part[f"returns_within_{w}"], part["escorts"])
                        for w in WINDOWS_DAYS}})
    counties = pd.DataFrame(rows).sort_values("escorts", ascending=False, kind="stable")
    by_prefecture = table.groupby("prefecture")
    order = unknown_last(by_prefecture["escorts"].sum().sort_values(ascending=False).index.tolist())
    shares = []
    for w in WINDOWS_DAYS:
        values = []
        for prefecture in order:
            part = by_prefecture.get_group(prefecture)
            measured = part[f"returns_within_{w}"].notna()
            escorts = part.loc[measured, "escorts"].sum()
            values.append(float(part.loc[measured, f"returns_within_{w}"].sum() / escorts) if escorts else None)
        shares.append(Series(f"within {w} days", values))
    page.chart(hbar_chart("Share of escorts back in the city, by home prefecture", order, shares, percent=True,
                          value_label="share of escorts"))
    page.table(counties, folded_as=f"Rates per home county ({len(counties)} counties)")


def follow_ups_per_county(page: Page, follow_ups: pd.DataFrame) -> None:
    page.heading("Follow-up visits due per home county",
                 "Persons who came back after an escort or hand-over (follow_ups.parquet, the list each home "
                 "county receives with `rosterlink follow-ups`). Flags raise the priority: a minor, several "
                 "returns, a household on the poverty list.")
    if follow_ups.empty:
        page.empty("follow-ups")
        return
    frame = follow_ups.assign(county=area_names(follow_ups["home_county_code"], "county"),
                              prefecture=area_names(follow_ups["home_prefecture_code"], "prefecture"))
    reasons = frame["priority_reasons"].fillna("")
    frame = frame.assign(minor=reasons.str.contains("minor"), several=reasons.str.contains("several_returns"),
                         poverty=reasons.str.contains("poverty_household"))
    per = frame.groupby(["prefecture", "county"]).agg(due=("person_id", "size"), minors=("minor", "sum"),
                                                      several=("several", "sum"), poverty=("poverty", "sum"))
    per = per.sort_values("due", ascending=False, kind="stable").reset_index()
    top = per.head(25)
    page.chart(hbar_chart(f"Follow-ups due, the {len(top)} home counties with the most",
                          [f"{c} ({p})" for p, c in zip(top["prefecture"], top["county"])],
                          [Series("persons due a visit", top["due"].tolist())], value_label="persons"))
    page.table(per.rename(columns={"prefecture": "home prefecture", "county": "home county", "due": "persons due",
                                   "minors": "of them minors", "several": "with several returns",
                                   "poverty": "poverty households"}), folded_as=f"All {len(per)} home counties")


def _status_labels(persons: pd.DataFrame, matches: pd.DataFrame) -> pd.Series:
    best = matches.sort_values(["person_id", "match_probability"], ascending=[True, False]).drop_duplicates("person_id")
    text = persons["person_id"].map(best.set_index("person_id")["poverty_status"])
    labels = poverty_status_code(text).map(lambda code: label("poverty_status_code", code))
    return labels.where(persons["on_poverty_list"].astype(bool), NOT_ON_LIST)


def poverty(page: Page, inputs: ReportInputs) -> None:
    page.heading("The poverty list among people met in the city",
                 "Persons with a station or police record, by home prefecture: the share on the poverty "
                 "registration list, and the poverty status (English labels of the registry's statuses) of those "
                 "on it and of those who came back after an escort.")
    persons = inputs.persons
    city = persons[persons["seen_in_city"].astype(bool)]
    if city.empty:
        page.empty("persons met in the city")
        return
    status = _status_labels(city, inputs.poverty_matches)
    area = area_names(city["home_prefecture_code"], "prefecture")
    table = pd.crosstab(area.to_numpy(), status.to_numpy())
    table = table.loc[unknown_last(table.sum(axis=1).sort_values(ascending=False, kind="stable").index.tolist())]
    on_list = table.drop(columns=[NOT_ON_LIST], errors="ignore")
    statuses = list(on_list.columns)
    if statuses:
        page.chart(hbar_chart("Persons on the poverty list, by home prefecture and status", list(on_list.index),
                              [Series(s, on_list[s].tolist()) for s in statuses], stacked=True, value_label="persons"))
    share = pd.DataFrame({"home prefecture": table.index, "persons met in the city": table.sum(axis=1).to_numpy(),
                          "on the poverty list": on_list.sum(axis=1).to_numpy()})
    share["share on the list"] = (share["on the poverty list"] / share["persons met in the city"]).map("{:.0%}".format)
    page.table(share)
    returned = city[city["n_returns"].fillna(0).astype(int) > 0]
    if len(returned):
        counts = _status_labels(returned, inputs.poverty_matches).value_counts()
        page.chart(hbar_chart("Poverty status of the persons who came back", counts.index.tolist(),
                              [Series("persons", counts.tolist())], value_label="persons"))


def returns_timing(page: Page, returns: pd.DataFrame) -> None:
    page.heading("Time to return", "Days from the escort home or hand-over to the first later station intake or "
                 "police encounter, by how the person left the station.")
    if returns.empty:
        page.empty("returns")
        return
    kinds = sorted(returns["exit_type"].dropna().unique().tolist()) or ["escorted_home"]
    page.chart(column_chart("Time to return", list(RETURN_BUCKETS), [
        Series(label("exit_type", kind), returns.loc[returns["exit_type"] == kind, "days_bucket"].value_counts()
               .reindex(list(RETURN_BUCKETS), fill_value=0).tolist()) for kind in kinds],
        stacked=True, x_label="days from exit to return", y_label="returns"))
