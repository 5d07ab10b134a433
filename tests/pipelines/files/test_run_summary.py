"""run_summary.json dict: totals per source and file, reasons, JSON types, and the every-row rule."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipelines.files.run_summary import (FileCounts, build_run_summary, count_files, count_quarantine_reasons,
                                         skipped_entries)
from schemas.contract import CONTRACT_VERSION


def _summary(files: list[FileCounts]) -> dict:
    return build_run_summary(
        files=files,
        quarantine_reasons={"station": {"missing_record_id": np.int64(2)}},
        persons=np.int64(10), persons_seen_in_city=7, returns=3, poverty_matches=2, review_queue=4,
        thresholds={"match_threshold": np.float64(0.95), "review_floor": 0.5},
        blocking={"name_abbr": {"pairs": np.int64(120), "largest_block": 30}},
        timings_seconds={"ingest": 1.5, "link": np.float32(2.5)},
    )


def test_totals_per_source_and_file_and_json_types():
    summary = _summary([
        FileCounts("station", "station/a.csv", 10, 8, 2),
        FileCounts("station", "station/b.xlsx", 5, 5, 0),
        FileCounts("police", "police/a.csv", 4, 4, 0),
    ])
    assert summary["contract_version"] == CONTRACT_VERSION
    assert (summary["rows_read"], summary["rows_linked"], summary["rows_quarantined"]) == (19, 17, 2)
    assert summary["sources"]["station"]["rows_read"] == 15
    assert summary["sources"]["station"]["files"]["station/b.xlsx"] == {
        "rows_read": 5, "rows_linked": 5, "rows_quarantined": 0}
    assert list(summary["sources"]) == ["police", "station"]
    assert summary["total_seconds"] == 4.0
    assert json.loads(json.dumps(summary)) == summary
    assert type(summary["persons"]) is int and type(summary["blocking"]["name_abbr"]["pairs"]) is int


def test_rows_neither_linked_nor_quarantined_are_refused():
    with pytest.raises(ValueError, match="station file station/a.csv: 10 rows read but 7 linked and 2 quarantined"):
        _summary([FileCounts("station", "station/a.csv", 10, 7, 2)])


def test_non_json_value_is_refused():
    with pytest.raises(TypeError, match="Timestamp"):
        build_run_summary(files=[], quarantine_reasons={}, persons=0, persons_seen_in_city=0, returns=0,
                          poverty_matches=0, review_queue=0, thresholds={},
                          blocking={"when": pd.Timestamp("2021-01-01")}, timings_seconds={})


def test_counts_from_frames():
    links = pd.DataFrame({"source": ["station", "station", "police"],
                          "file": ["station/a.csv", "station/a.csv", "police/a.csv"]})
    quarantine = pd.DataFrame({"source": ["station", "village"], "file": ["station/a.csv", "village/v.csv"],
                               "reason": ["missing_record_id", "duplicate_record_id"]})
    rows_read = {("station", "station/a.csv"): 3, ("police", "police/a.csv"): 1, ("village", "village/v.csv"): 1,
                 ("poverty", "poverty/empty.csv"): 0}
    files = count_files(rows_read, links, quarantine)
    assert files == [
        FileCounts("police", "police/a.csv", 1, 1, 0),
        FileCounts("poverty", "poverty/empty.csv", 0, 0, 0),
        FileCounts("station", "station/a.csv", 3, 2, 1),
        FileCounts("village", "village/v.csv", 1, 0, 1),
    ]
    assert count_quarantine_reasons(quarantine) == {"station": {"missing_record_id": 1},
                                                    "village": {"duplicate_record_id": 1}}


def test_skipped_files_are_listed_by_path_with_reason_and_detail():
    skipped = pd.DataFrame({"path": ["station/notes.txt", "police/broken.xlsx"],
                            "reason": ["unsupported_format", "unreadable_file"],
                            "detail": [None, "cannot read XLSX (BadZipFile)"]}, dtype=object)
    summary = build_run_summary(files=[], quarantine_reasons={}, persons=0, persons_seen_in_city=0, returns=0,
                                poverty_matches=0, review_queue=0, thresholds={}, blocking={}, timings_seconds={},
                                skipped_files=skipped_entries(skipped))
    assert summary["skipped_files"] == [
        {"path": "police/broken.xlsx", "reason": "unreadable_file", "detail": "cannot read XLSX (BadZipFile)"},
        {"path": "station/notes.txt", "reason": "unsupported_format"},
    ]
