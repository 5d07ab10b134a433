"""Linkage: normalized records, the linkage result (model.json), record links (person ids),
match pairs, the review queue, and the check that no person holds two valid id numbers."""
import dagster as dg
import pandas as pd

from linkage.engine.link import LinkageResult, link
from linkage.roster.person_ids import assign_person_ids
from pipelines.defs import GROUP
from pipelines.defs.resources import LinkageOptions, OutputFolder, SparkSessionResource
from pipelines.files import frames, writers
from pipelines.local.parallel import normalize_records_parallel
from pipelines.run import settings_for

ENGINE_COUNTS = ("records", "candidate_pairs", "pairs_kept", "pairs_at_threshold", "clusters")


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
    metadata: dict[str, object] = {key: int(getattr(stats, key)) for key in ENGINE_COUNTS}
    metadata["seconds"] = {stage: float(seconds) for stage, seconds in stats.seconds.items()}
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


@dg.asset_check(asset=record_links,
                additional_ins={"normalized_records": dg.AssetIn("normalized_records")},
                description="No person holds two different valid id numbers.")
def one_valid_id_number_per_person(record_links: pd.DataFrame,
                                   normalized_records: pd.DataFrame) -> dg.AssetCheckResult:
    valid = normalized_records.loc[normalized_records["id_status"] == "valid", ["source", "record_id", "id18"]]
    ids = valid.merge(record_links[["source", "record_id", "person_id"]], on=["source", "record_id"])
    per_person = ids.groupby("person_id")["id18"].nunique()
    conflicted = int((per_person > 1).sum())
    return dg.AssetCheckResult(passed=conflicted == 0,
                               metadata={"persons_with_valid_id": len(per_person),
                                         "persons_with_two_valid_ids": conflicted})


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
