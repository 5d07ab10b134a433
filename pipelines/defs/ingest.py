"""Ingest: the raw roster rows, their split into records and quarantine, and the row accounting
that blocks the linkage when rows go missing."""
import dagster as dg
import pandas as pd

from pipelines.defs import GROUP
from pipelines.defs.resources import InputFolder, OutputFolder, QualitySuites
from pipelines.files import writers
from pipelines.run import read_raw
from quality.accounting import accounting_balanced, accounting_table
from quality.quarantine import split_quarantine


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
