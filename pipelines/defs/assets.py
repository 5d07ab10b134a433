"""The pipeline's assets: thin steps that call the toolkit and write the contract's files.

Metadata carries counts only (rows, files, pairs, persons), never a value of a record.
Intermediate values go through the job's IO manager (the filesystem one under DAGSTER_HOME for
`dagster dev`, memory for the in-process CLI run); contract files go through pipelines.files.writers.
"""
import dagster as dg
import pandas as pd

from linkage.engine.link import LinkageResult, link
from linkage.roster.outcomes import build_persons, find_returns, poverty_matches as find_poverty_matches
from linkage.roster.person_ids import assign_person_ids
from pipelines.files import frames, writers
from pipelines.local.parallel import normalize_records_parallel
from pipelines.files.report import ReportInputs, city_encounters, render_report
from pipelines.defs.resources import InputFolder, LinkageOptions, OutputFolder, QualitySuites, SparkSessionResource
from pipelines.files.run_summary import build_run_summary, count_files, count_quarantine_reasons
from pipelines.run import read_raw, settings_for
from quality.quarantine import split_quarantine

GROUP = "rosterlink"
ENGINE_COUNTS = ("records", "candidate_pairs", "pairs_kept", "pairs_at_threshold", "clusters")
FINAL = {"dagster/priority": "-2"}
"""Step tag of the run's summary and report: the in-process executor runs them after every other
ready step, the quality checks included (pipelines.defs.checks.LAST), so the summary times them too."""


def _count_by_source(frame: pd.DataFrame) -> dict[str, int]:
    if frame.empty:
        return {}
    return {str(k): int(v) for k, v in frame["source"].value_counts().sort_index().items()}


@dg.asset(group_name=GROUP)
def raw_rosters(context: dg.AssetExecutionContext, input_folder: InputFolder) -> pd.DataFrame:
    """Every row of every roster file in the input folder, as read, all sources in one frame."""
    raw, n_files = read_raw(input_folder.root)
    context.add_output_metadata({"rows": len(raw), "files": n_files, "rows_by_source": _count_by_source(raw)})
    return raw


@dg.multi_asset(
    group_name=GROUP,
    outs={
        "records": dg.AssetOut(description="Accepted input rows, all sources."),
        "quarantine": dg.AssetOut(description="Rejected input rows with their reason (quarantine.parquet)."),
    },
)
def quarantine_split(context: dg.AssetExecutionContext, raw_rosters: pd.DataFrame,
                     output_folder: OutputFolder, quality_suites: QualitySuites):
    """Split the raw rows into accepted records and the quarantine; write quarantine.parquet.

    The records' quality suites start here (in the background when the run is in-process)."""
    records, quarantine = split_quarantine(raw_rosters)
    quality_suites.start(records)
    writers.write_output(quarantine, output_folder.root, "quarantine.parquet")
    reasons = quarantine["reason"].str.split(":", n=1).str[0].value_counts() if len(quarantine) else pd.Series()
    yield dg.Output(records, output_name="records",
                    metadata={"rows": len(records), "rows_by_source": _count_by_source(records)})
    yield dg.Output(quarantine, output_name="quarantine",
                    metadata={"rows": len(quarantine), "rows_by_reason": {str(k): int(v) for k, v in reasons.items()}})


@dg.asset(group_name=GROUP)
def normalized_records(context: dg.AssetExecutionContext, records: pd.DataFrame,
                       linkage_options: LinkageOptions, spark: SparkSessionResource) -> pd.DataFrame:
    """Records with normalized names, id numbers, dates and place codes (row order of records).

    The Spark engine normalizes on the `spark` resource's executors (same frame, see
    pipelines.spark.normalize); the pandas engine on this machine's cores (pipelines.local.parallel)."""
    normalized = spark.normalize(records) if linkage_options.engine == "spark" else normalize_records_parallel(records)
    context.add_output_metadata({
        "rows": len(normalized),
        "valid_id_numbers": int((normalized["id_status"] == "valid").sum()),
        "unknown_names": int(normalized["name_norm"].isna().sum()),
    })
    return normalized


@dg.asset(group_name=GROUP)
def linkage_result(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame,
                   linkage_options: LinkageOptions, spark: SparkSessionResource,
                   output_folder: OutputFolder) -> LinkageResult:
    """Blocking, comparison, Fellegi-Sunter training and scoring, clustering; writes model.json.

    The pandas engine runs in this process; the Spark engine (same results) on the `spark`
    resource's session, which is only started when the Spark engine is chosen.
    """
    settings = settings_for(linkage_options)
    if linkage_options.engine == "spark":
        from pipelines.spark.engine import link_spark

        result = link_spark(spark.get_session(), normalized_records, settings)
    else:
        result = link(normalized_records, settings)
    writers.write_model_json(result.model.to_json(), output_folder.root)
    stats = result.stats
    metadata: dict[str, object] = {key: int(stats[key]) for key in ENGINE_COUNTS if key in stats}
    metadata["seconds"] = {stage: float(seconds) for stage, seconds in stats.get("seconds", {}).items()}
    context.add_output_metadata(metadata)
    return result


@dg.asset(group_name=GROUP)
def record_links(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame,
                 linkage_result: LinkageResult, output_folder: OutputFolder) -> pd.DataFrame:
    """One person_id per accepted record, stable across runs on the same output folder."""
    previous = writers.read_person_id_map(output_folder.root)
    person_ids, mapping = assign_person_ids(frames.record_keys(normalized_records), linkage_result.labels,
                                            previous)
    probability = frames.best_link_probability(len(normalized_records), linkage_result.pairs,
                                               linkage_result.labels)
    links = frames.record_links_frame(normalized_records, person_ids, probability)
    writers.write_output(links, output_folder.root, "record_links.parquet")
    writers.write_person_id_map(mapping, output_folder.root)
    kept = int(mapping["person_id"].isin(set(previous["person_id"])).sum()) if len(previous) else 0
    context.add_output_metadata({
        "rows": len(links),
        "persons": int(links["person_id"].nunique()),
        "records_with_earlier_person_id": kept,
    })
    return links


@dg.asset(group_name=GROUP)
def match_pairs(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame,
                linkage_result: LinkageResult, output_folder: OutputFolder) -> pd.DataFrame:
    """Scored record pairs at or above the pairs floor (match_pairs.parquet)."""
    pairs = frames.match_pairs_frame(normalized_records, linkage_result.pairs)
    writers.write_output(pairs, output_folder.root, "match_pairs.parquet")
    context.add_output_metadata({"pairs": len(pairs)})
    return pairs


@dg.asset(group_name=GROUP)
def review_queue(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame,
                 linkage_result: LinkageResult, linkage_options: LinkageOptions,
                 output_folder: OutputFolder) -> pd.DataFrame:
    """Pairs for a person to review: uncertain, or scored above the threshold yet kept apart."""
    settings = settings_for(linkage_options)
    queue = frames.review_queue_frame(normalized_records, linkage_result.pairs, linkage_result.labels,
                                      settings.match_threshold, settings.review_floor)
    writers.write_output(queue, output_folder.root, "review_queue.parquet")
    context.add_output_metadata({
        "pairs": len(queue),
        "pairs_by_reason": {str(k): int(v) for k, v in queue["reason"].value_counts().items()},
    })
    return queue


@dg.asset(group_name=GROUP)
def returns(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame,
            record_links: pd.DataFrame, output_folder: OutputFolder) -> pd.DataFrame:
    """Escorts home followed by the same person met again in the city (returns.parquet)."""
    found = find_returns(normalized_records, record_links["person_id"])
    writers.write_output(found, output_folder.root, "returns.parquet")
    context.add_output_metadata({"returns": len(found), "persons": int(found["person_id"].nunique())})
    return found


@dg.asset(group_name=GROUP)
def poverty_matches(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame,
                    record_links: pd.DataFrame, output_folder: OutputFolder) -> pd.DataFrame:
    """Persons met elsewhere who are on the poverty registration list (poverty_matches.parquet)."""
    matches = find_poverty_matches(normalized_records, record_links)
    writers.write_output(matches, output_folder.root, "poverty_matches.parquet")
    context.add_output_metadata({"matches": len(matches), "persons": int(matches["person_id"].nunique())})
    return matches


@dg.asset(group_name=GROUP)
def persons(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame, record_links: pd.DataFrame,
            returns: pd.DataFrame, poverty_matches: pd.DataFrame, output_folder: OutputFolder) -> pd.DataFrame:
    """One row per person (persons.parquet)."""
    table = build_persons(normalized_records, record_links, returns, poverty_matches)
    writers.write_output(table, output_folder.root, "persons.parquet")
    context.add_output_metadata({
        "persons": len(table),
        "persons_with_several_records": int((table["n_records"] > 1).sum()),
        "persons_on_poverty_list": int(table["on_poverty_list"].sum()),
    })
    return table


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
                  for rule in linkage_result.stats.get("blocking", [])},
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
