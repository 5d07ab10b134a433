"""Reporting: the run's summary (run_summary.json) and report.html, run after every other step
(pipelines.defs.FINAL)."""
import dagster as dg
import pandas as pd

from linkage.engine.link import LinkageResult
from pipelines.defs import FINAL, GROUP
from linkage.roster.outcomes.cohorts import cohort_summary, latest_event_date
from linkage.roster.outcomes.persons import PERSON_STATUSES
from pipelines.defs.resources import InputFolder, LinkageOptions, OutcomeOptions, OutputFolder
from pipelines.files import writers
from linkage.roster.outcomes.cohorts import escorts
from pipelines.files.report import ReportInputs, city_encounters, render_report
from pipelines.files.report.quality_counts import data_quality_counts
from pipelines.files.run_summary import build_run_summary, count_files, count_quarantine_reasons
from pipelines.run import settings_for


def _step_seconds(context: dg.AssetExecutionContext) -> dict[str, float]:
    """Seconds each finished step of this run took, from the run's event log."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS, limit=1000).records
    return {
        record.event_log_entry.step_key: round(record.event_log_entry.dagster_event.event_specific_data.duration_ms
                                               / 1000, 3)
        for record in records
    }


def _check_verdicts(context: dg.AssetExecutionContext) -> dict[str, dict]:
    """The verdict of every asset check of this run that has finished (the quality suites among them)."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=1000).records
    verdicts = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        metadata = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
        failed = metadata.get("failed_expectations") or []
        verdicts[evaluation.check_name] = {
            "passed": bool(evaluation.passed),
            **{k: metadata[k] for k in ("expectations", "failed") if k in metadata},
            "failed_expectations": [f"{f.get('expectation')} on {f.get('column')}: {f.get('unexpected_rows')} rows"
                                    for f in failed if isinstance(f, dict)],
        }
    return verdicts


@dg.asset(group_name=GROUP, op_tags=FINAL)
def run_summary(context: dg.AssetExecutionContext, raw_rosters: pd.DataFrame, quarantine: pd.DataFrame,
                record_links: pd.DataFrame, persons: pd.DataFrame, returns: pd.DataFrame,
                poverty_matches: pd.DataFrame, review_queue: pd.DataFrame, linkage_result: LinkageResult,
                linkage_options: LinkageOptions, input_folder: InputFolder, output_folder: OutputFolder,
                normalized_records: pd.DataFrame, returns_by_cohort: pd.DataFrame, follow_ups: pd.DataFrame,
                outcome_options: OutcomeOptions) -> dict:
    """Counts, thresholds and timings of the run (run_summary.json)."""
    settings = settings_for(linkage_options)
    rows_read = {key: int(n) for key, n in raw_rosters.groupby(["source", "file"]).size().items()}
    summary = build_run_summary(
        files=count_files(rows_read, record_links, quarantine),
        quarantine_reasons=count_quarantine_reasons(quarantine),
        persons=len(persons),
        persons_seen_in_city=int(persons["seen_in_city"].sum()),
        returns=len(returns),
        poverty_matches=len(poverty_matches),
        review_queue=len(review_queue),
        thresholds={"match_threshold": settings.match_threshold, "review_floor": settings.review_floor,
                    "pairs_floor": settings.pairs_floor},
        blocking={rule["rule"]: {k: v for k, v in rule.items() if k != "rule"}
                  for rule in linkage_result.stats.to_dict()["blocking"]},
        timings_seconds=_step_seconds(context),
    )
    summary["returns_by_cohort"] = cohort_summary(returns_by_cohort, latest_event_date(normalized_records))
    summary["follow_ups"] = {"persons": len(follow_ups),
                             "per_county": {str(k): int(n) for k, n in
                                            follow_ups["home_county_code"].fillna("unknown").value_counts().items()}}
    summary["person_status"] = {"inactive_after_days": outcome_options.inactive_after_days,
                                **{s: int((persons["status"] == s).sum()) for s in PERSON_STATUSES}}
    summary["data_quality"] = data_quality_counts(normalized_records)
    summary["quality_checks"] = _check_verdicts(context)
    summary["engine"] = linkage_options.engine
    summary["input_folder"] = str(input_folder.root.resolve())
    writers.write_run_summary(summary, output_folder.root)
    context.add_output_metadata({"rows_read": summary["rows_read"], "rows_linked": summary["rows_linked"],
                                 "rows_quarantined": summary["rows_quarantined"], "persons": len(persons)})
    return summary


@dg.asset(group_name=GROUP, op_tags=FINAL)
def report(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame, record_links: pd.DataFrame,
           persons: pd.DataFrame, returns: pd.DataFrame, poverty_matches: pd.DataFrame,
           match_pairs: pd.DataFrame, review_queue: pd.DataFrame, run_summary: dict, follow_ups: pd.DataFrame,
           returns_by_cohort: pd.DataFrame, output_folder: OutputFolder) -> None:
    """report.html: counts and charts for analysts, no names or id numbers."""
    html = render_report(ReportInputs(
        persons=persons, returns=returns, poverty_matches=poverty_matches, match_pairs=match_pairs,
        review_queue=review_queue, city_encounters=city_encounters(normalized_records, record_links["person_id"]),
        run_summary=run_summary, follow_ups=follow_ups, returns_by_cohort=returns_by_cohort,
        escorts=escorts(normalized_records, record_links["person_id"]),
    ))
    path = writers.write_report(html, output_folder.root)
    context.add_output_metadata({"bytes": path.stat().st_size})
