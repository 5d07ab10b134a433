"""Outcomes: returns, poverty matches and persons, with the checks on each (returns after their
escort, matches on registry records, every linked person_id a person)."""
import dagster as dg
import pandas as pd

from linkage.roster.outcomes import build_persons, find_returns, poverty_matches as find_poverty_matches
from pipelines.defs import GROUP
from pipelines.defs.resources import OutputFolder
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


@dg.asset_check(asset=persons, additional_ins={"record_links": dg.AssetIn("record_links")},
                description="Every person_id in record_links is a person, and every person has a record.")
def record_links_persons_exist(persons: pd.DataFrame, record_links: pd.DataFrame) -> dg.AssetCheckResult:
    linked, known = set(record_links["person_id"]), set(persons["person_id"])
    unknown, empty = len(linked - known), len(known - linked)
    return dg.AssetCheckResult(
        passed=unknown == 0 and empty == 0,
        metadata={"person_ids_not_in_persons": unknown, "persons_without_records": empty},
    )
