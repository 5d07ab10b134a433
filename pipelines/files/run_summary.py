"""run_summary.json as a dict: a pure builder from counts the run passes in (the writer is pipelines.files.writers)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import pandas as pd

from schemas.contract import CONTRACT_VERSION


@dataclass(frozen=True)
class FileCounts:
    """Rows of one input file: read, accepted and linked to a person, and quarantined."""

    source: str
    file: str
    rows_read: int
    rows_linked: int
    rows_quarantined: int


def count_files(
    rows_read: Mapping[tuple[str, str], int], record_links: pd.DataFrame, quarantine: pd.DataFrame
) -> list[FileCounts]:
    """FileCounts per (source, file) from rows read per file and the record_links / quarantine frames."""
    linked = record_links.groupby(["source", "file"]).size()
    quarantined = quarantine.groupby(["source", "file"]).size()
    keys = sorted(set(rows_read) | set(linked.index) | set(quarantined.index))
    return [
        FileCounts(source, file, int(rows_read.get((source, file), 0)),
                   int(linked.get((source, file), 0)), int(quarantined.get((source, file), 0)))
        for source, file in keys
    ]


def count_quarantine_reasons(quarantine: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Quarantined rows per source and reason code (with its detail, e.g. missing_required_date:intake_date)."""
    counts = quarantine.groupby(["source", "reason"]).size()
    reasons: dict[str, dict[str, int]] = {}
    for (source, reason), n in counts.items():
        reasons.setdefault(str(source), {})[str(reason)] = int(n)
    return reasons


def skipped_entries(skipped: pd.DataFrame) -> list[dict[str, str]]:
    """The ``skipped_files`` entries (path relative to INPUT, reason code, detail when there is one), by path."""
    entries = []
    for row in skipped.sort_values("path", kind="stable").itertuples(index=False):
        entry = {"path": str(row.path), "reason": str(row.reason)}
        if isinstance(row.detail, str) and row.detail:
            entry["detail"] = row.detail
        entries.append(entry)
    return entries


def _plain(value: Any) -> Any:
    """value with numpy/pandas scalars turned into JSON types; anything else not JSON-able is refused."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if hasattr(value, "dtype") and value.dtype == bool:
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    raise TypeError(f"run summary value of type {type(value).__name__} is not JSON-serializable")


def _totals(files: Sequence[FileCounts]) -> dict[str, int]:
    return {
        "rows_read": sum(f.rows_read for f in files),
        "rows_linked": sum(f.rows_linked for f in files),
        "rows_quarantined": sum(f.rows_quarantined for f in files),
    }


def build_run_summary(
    *,
    files: Sequence[FileCounts],
    quarantine_reasons: Mapping[str, Mapping[str, int]],
    persons: int,
    persons_seen_in_city: int,
    returns: int,
    poverty_matches: int,
    review_queue: int,
    thresholds: Mapping[str, float],
    blocking: Mapping[str, Any],
    timings_seconds: Mapping[str, float],
    skipped_files: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """The run_summary.json dict; raises when a file's rows are neither linked nor quarantined.

    `skipped_files`: every file or folder under INPUT that was not read (``skipped_entries``)."""
    for f in files:
        if f.rows_read != f.rows_linked + f.rows_quarantined:
            raise ValueError(
                f"{f.source} file {f.file}: {f.rows_read} rows read but {f.rows_linked} linked "
                f"and {f.rows_quarantined} quarantined"
            )
    by_source: dict[str, dict[str, Any]] = {}
    for source in sorted({f.source for f in files}):
        of_source = [f for f in files if f.source == source]
        by_source[source] = {
            **_totals(of_source),
            "files": {f.file: {"rows_read": f.rows_read, "rows_linked": f.rows_linked,
                               "rows_quarantined": f.rows_quarantined} for f in of_source},
        }
    return _plain({
        "contract_version": CONTRACT_VERSION,
        **_totals(files),
        "sources": by_source,
        "skipped_files": [dict(entry) for entry in skipped_files],
        "quarantine_reasons": {s: dict(sorted(r.items())) for s, r in sorted(quarantine_reasons.items())},
        "persons": persons,
        "persons_seen_in_city": persons_seen_in_city,
        "returns": returns,
        "poverty_matches": poverty_matches,
        "review_queue": review_queue,
        "thresholds": dict(thresholds),
        "blocking": dict(blocking),
        "timings_seconds": dict(timings_seconds),
        "total_seconds": sum(float(t) for t in timings_seconds.values()),
    })
