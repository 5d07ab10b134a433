"""Reporting: the run's summary (run_summary.json) and report.html, run after every other step
(pipelines.defs.FINAL)."""
import dagster as dg
import pandas as pd

from linkage.engine.link import LinkageResult
from pipelines.defs import FINAL, GROUP
from pipelines.defs.resources import InputFolder, LinkageOptions, OutputFolder
from pipelines.files import writers
from pipelines.files.report import ReportInputs, city_encounters, render_report
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


@dg.asset(group_name=GROUP, op_tags=FINAL)
def run_summary(context: dg.AssetExecutionContext, raw_rosters: pd.DataFrame, quarantine: pd.DataFrame,
                record_links: pd.DataFrame, persons: pd.DataFrame, returns: pd.DataFrame,
                poverty_matches: pd.DataFrame, review_queue: pd.DataFrame, linkage_result: LinkageResult,
                linkage_options: LinkageOptions, input_folder: InputFolder,
                output_folder: OutputFolder) -> dict:
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
    summary["engine"] = linkage_options.engine
    summary["input_folder"] = str(input_folder.root.resolve())
    writers.write_run_summary(summary, output_folder.root)
    context.add_output_metadata({"rows_read": summary["rows_read"], "rows_linked": summary["rows_linked"],
                                 "rows_quarantined": summary["rows_quarantined"], "persons": len(persons)})
    return summary


@dg.asset(group_name=GROUP, op_tags=FINAL)
def report(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame, record_links: pd.DataFrame,
           persons: pd.DataFrame, returns: pd.DataFrame, poverty_matches: pd.DataFrame,
           match_pairs: pd.DataFrame, review_queue: pd.DataFrame, run_summary: dict,
           output_folder: OutputFolder) -> None:
    """report.html: counts and charts for analysts, no names or id numbers."""
    html = render_report(ReportInputs(
        persons=persons, returns=returns, poverty_matches=poverty_matches, match_pairs=match_pairs,
        review_queue=review_queue, city_encounters=city_encounters(normalized_records, record_links["person_id"]),
        run_summary=run_summary,
    ))
    path = writers.write_report(html, output_folder.root)
    context.add_output_metadata({"bytes": path.stat().st_size})
