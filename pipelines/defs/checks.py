"""Asset checks: row accounting (blocking), data quality suites, and the outputs' integrity rules.

Check metadata carries counts only, never a value of a record.
"""
import dagster as dg
import pandas as pd

from pipelines.defs import assets
from quality.accounting import accounting_balanced, accounting_table
from pipelines.defs.resources import QualitySuites
from pipelines.local.quality_child import source_rows
from schemas.contract import POVERTY_SOURCE, SOURCES

LAST = {"dagster/priority": "-1"}
"""Step tag of checks that may wait: the in-process executor runs them once nothing else is ready."""


@dg.asset_check(asset="records", blocking=True,
                additional_ins={"raw_rosters": dg.AssetIn("raw_rosters"), "quarantine": dg.AssetIn("quarantine")},
                description="Rows read = rows accepted + rows quarantined, per source and per file. Blocks linkage.")
def rows_accounted_for(records: pd.DataFrame, raw_rosters: pd.DataFrame,
                       quarantine: pd.DataFrame) -> dg.AssetCheckResult:
    table = accounting_table(raw_rosters, records, quarantine)
    by_source = table.groupby("source")[["rows_read", "rows_accepted", "rows_quarantined"]].sum()
    return dg.AssetCheckResult(
        passed=accounting_balanced(table),
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "files": len(table),
            "files_not_balanced": int((~table["balanced"]).sum()),
            "by_source": {source: {k: int(v) for k, v in row.items()} for source, row in by_source.iterrows()},
            "by_file": dg.MetadataValue.md(table.to_markdown(index=False)),
        },
    )


@dg.asset_check(asset=assets.persons, additional_ins={"record_links": dg.AssetIn("record_links")},
                description="Every person_id in record_links is a person, and every person has a record.")
def record_links_persons_exist(persons: pd.DataFrame, record_links: pd.DataFrame) -> dg.AssetCheckResult:
    linked, known = set(record_links["person_id"]), set(persons["person_id"])
    unknown, empty = len(linked - known), len(known - linked)
    return dg.AssetCheckResult(
        passed=unknown == 0 and empty == 0,
        metadata={"person_ids_not_in_persons": unknown, "persons_without_records": empty},
    )


@dg.asset_check(asset=assets.returns, description="Every return is dated after its escort.")
def returns_after_escort(returns: pd.DataFrame) -> dg.AssetCheckResult:
    not_after = int((~(pd.to_datetime(returns["return_date"]) > pd.to_datetime(returns["escort_date"]))).sum())
    return dg.AssetCheckResult(passed=not_after == 0,
                               metadata={"returns": len(returns), "returns_not_after_escort": not_after})


@dg.asset_check(asset=assets.poverty_matches, additional_ins={"records": dg.AssetIn("records")},
                description="Every poverty match points at an accepted poverty-registry record.")
def poverty_matches_point_at_registry(poverty_matches: pd.DataFrame, records: pd.DataFrame) -> dg.AssetCheckResult:
    registry = set(records.loc[records["source"] == POVERTY_SOURCE, "record_id"])
    dangling = int((~poverty_matches["poverty_record_id"].isin(registry)).sum())
    return dg.AssetCheckResult(passed=dangling == 0,
                               metadata={"matches": len(poverty_matches), "matches_without_registry_record": dangling})


@dg.asset_check(asset=assets.record_links,
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


def _quality_suite(source: str) -> dg.AssetChecksDefinition:
    """The Great Expectations suite of one source on its accepted records (a warning when it fails)."""

    @dg.asset_check(asset="records", name=f"quality_suite_{source}", op_tags=LAST,
                    description=f"Great Expectations suite of the {source} records (contract columns).")
    def check(records: pd.DataFrame, quality_suites: QualitySuites) -> dg.AssetCheckResult:
        rows = source_rows(records, source)
        if rows.empty:
            return dg.AssetCheckResult(passed=True, metadata={"rows": 0, "source_present": False})
        result = quality_suites.verdict(records, source)
        failed = [o for o in result.expectations if not o.success]
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rows": len(rows),
                "expectations": result.n_expectations,
                "failed": result.n_failed,
                "failed_expectations": [
                    {"expectation": o.expectation_type, "column": o.column, "unexpected_rows": o.unexpected_count}
                    for o in failed
                ],
            },
        )

    return check


quality_suite_checks = [_quality_suite(source) for source in SOURCES]
