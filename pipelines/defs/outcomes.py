"""Outcomes: returns, poverty matches, persons (with their status), follow-ups and returns by escort
cohort, with the checks on each (returns after their escort, matches on registry records, every
linked person_id a person, one follow-up per returned person)."""
import dagster as dg
import pandas as pd

from linkage.roster.outcomes import build_persons, find_returns, poverty_matches as find_poverty_matches
from linkage.roster.outcomes.cohorts import escorts, latest_event_date, returns_by_cohort as cohort_table
from linkage.roster.outcomes.follow_ups import build_follow_ups
from pipelines.defs import GROUP
from pipelines.defs.resources import OutcomeOptions, OutputFolder
from pipelines.files import writers
from schemas.contract import POVERTY_SOURCE


@dg.asset(group_name=GROUP)
def returns(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame,
            record_links: pd.DataFrame, output_folder: OutputFolder) -> pd.DataFrame:
    """Escorts home followed by the same person met again in the city (returns.parquet)."""
    found = find_returns(normalized_records, record_links["person_id"])
    writers.write_output(found, output_folder.root, "returns.parquet")
    context.add_output_metadata({"returns": len(found), "persons": int(found["person_id"].nunique())})
    return found


@dg.asset_check(asset=returns, description="Every return is dated after its escort.")
def returns_after_escort(returns: pd.DataFrame) -> dg.AssetCheckResult:
    not_after = int((~(pd.to_datetime(returns["return_date"]) > pd.to_datetime(returns["escort_date"]))).sum())
    return dg.AssetCheckResult(passed=not_after == 0,
                               metadata={"returns": len(returns), "returns_not_after_escort": not_after})


@dg.asset(group_name=GROUP)
def poverty_matches(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame,
                    record_links: pd.DataFrame, output_folder: OutputFolder) -> pd.DataFrame:
    """Persons met elsewhere who are on the poverty registration list (poverty_matches.parquet)."""
    matches = find_poverty_matches(normalized_records, record_links)
    writers.write_output(matches, output_folder.root, "poverty_matches.parquet")
    context.add_output_metadata({"matches": len(matches), "persons": int(matches["person_id"].nunique())})
    return matches


@dg.asset_check(asset=poverty_matches, additional_ins={"records": dg.AssetIn("records")},
                description="Every poverty match points at an accepted poverty-registry record.")
def poverty_matches_point_at_registry(poverty_matches: pd.DataFrame, records: pd.DataFrame) -> dg.AssetCheckResult:
    registry = set(records.loc[records["source"] == POVERTY_SOURCE, "record_id"])
    dangling = int((~poverty_matches["poverty_record_id"].isin(registry)).sum())
    return dg.AssetCheckResult(passed=dangling == 0,
                               metadata={"matches": len(poverty_matches), "matches_without_registry_record": dangling})


@dg.asset(group_name=GROUP)
def persons(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame, record_links: pd.DataFrame,
            returns: pd.DataFrame, poverty_matches: pd.DataFrame, output_folder: OutputFolder,
            outcome_options: OutcomeOptions) -> pd.DataFrame:
    """One row per person with their status as of the data's latest date (persons.parquet)."""
    table = build_persons(normalized_records, record_links, returns, poverty_matches,
                          as_of=latest_event_date(normalized_records),
                          inactive_after_days=outcome_options.inactive_after_days)
    writers.write_output(table, output_folder.root, "persons.parquet")
    context.add_output_metadata({
        "persons": len(table),
        "persons_with_several_records": int((table["n_records"] > 1).sum()),
        "persons_on_poverty_list": int(table["on_poverty_list"].sum()),
        **{f"persons_{status}": int((table["status"] == status).sum()) for status in ("active", "returned", "inactive")},
    })
    return table


@dg.asset_check(asset=persons, additional_ins={"record_links": dg.AssetIn("record_links")},
                description="Every person_id in record_links is a person, and every person has a record.")
def record_links_persons_exist(persons: pd.DataFrame, record_links: pd.DataFrame) -> dg.AssetCheckResult:
    linked, known = set(record_links["person_id"]), set(persons["person_id"])
    unknown, empty = len(linked - known), len(known - linked)
    return dg.AssetCheckResult(
        passed=unknown == 0 and empty == 0,
        metadata={"person_ids_not_in_persons": unknown, "persons_without_records": empty},
    )


@dg.asset(group_name=GROUP)
def follow_ups(context: dg.AssetExecutionContext, persons: pd.DataFrame, returns: pd.DataFrame,
               normalized_records: pd.DataFrame, record_links: pd.DataFrame, poverty_matches: pd.DataFrame,
               output_folder: OutputFolder) -> pd.DataFrame:
    """Persons who came back after an escort home, due a follow-up visit (follow_ups.parquet, 0600)."""
    table = build_follow_ups(persons, returns, normalized_records, record_links, poverty_matches)
    writers.write_output(table, output_folder.root, "follow_ups.parquet")
    context.add_output_metadata({"follow_ups": len(table), "counties": int(table["home_county_code"].nunique()),
                                 "with_poverty_household": int(table["poverty_household_id"].notna().sum())})
    return table


@dg.asset_check(asset=follow_ups, additional_ins={"returns": dg.AssetIn("returns")},
                description="One follow-up row per person with a return, and none for anyone else.")
def follow_ups_match_returns(follow_ups: pd.DataFrame, returns: pd.DataFrame) -> dg.AssetCheckResult:
    expected, listed = set(returns["person_id"]), follow_ups["person_id"]
    missing, extra = len(expected - set(listed)), len(set(listed) - expected)
    repeated = int(listed.duplicated().sum())
    return dg.AssetCheckResult(passed=missing == 0 and extra == 0 and repeated == 0,
                               metadata={"returned_without_row": missing, "rows_without_return": extra,
                                         "repeated_persons": repeated})


@dg.asset(group_name=GROUP)
def returns_by_cohort(context: dg.AssetExecutionContext, normalized_records: pd.DataFrame,
                      record_links: pd.DataFrame, returns: pd.DataFrame, persons: pd.DataFrame,
                      output_folder: OutputFolder) -> pd.DataFrame:
    """Share of each escort cohort (quarter x home county) back within 180/365/730 days (returns_by_cohort.parquet)."""
    table = cohort_table(escorts(normalized_records, record_links["person_id"]), returns, persons,
                         latest_event_date(normalized_records))
    writers.write_output(table, output_folder.root, "returns_by_cohort.parquet")
    context.add_output_metadata({"cohorts": len(table), "escorts": int(table["escorts"].sum())})
    return table
