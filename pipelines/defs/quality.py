"""Quality: the Great Expectations suite of each source on its accepted records, as asset checks
on `records` (a warning when a suite fails; run last, see pipelines.defs.LAST)."""
import dagster as dg
import pandas as pd

from pipelines.defs import LAST
from pipelines.defs.resources import QualitySuites
from pipelines.local.quality_child import source_rows
from schemas.contract import SOURCES


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
