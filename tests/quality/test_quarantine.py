import json

import pandas as pd

from quality.quarantine import split_quarantine
from schemas.outputs import QUARANTINE


def raw_frame(source: str, rows: list[dict]) -> pd.DataFrame:
    """A raw-row frame as ingest builds it, for the given canonical values."""
    records = []
    for number, row in enumerate(rows, start=1):
        records.append({
            "source": source, "file": f"{source}/f.csv", "row_number": number,
            **row, "raw": json.dumps(row, ensure_ascii=False),
        })
    return pd.DataFrame(records).astype(object).astype({"row_number": "int64"})


def test_station_rules_in_order_one_reason_each():
    raw = raw_frame("station", [
        {"record_id": "S1", "name": "次仁", "intake_date": "2023-01-05"},      # accepted
        {"record_id": None, "name": "达娃", "intake_date": None},               # no id (and no date)
        {"record_id": "  ", "name": "达娃", "intake_date": "2023-01-05"},       # blank id
        {"record_id": " S1 ", "name": "次仁", "intake_date": "bad"},            # duplicate wins over date
        {"record_id": "S2", "name": "卓玛", "intake_date": None},               # missing date
        {"record_id": "S3", "name": "卓玛", "intake_date": "2023-02-30"},       # impossible date
        {"record_id": "S4", "name": "卓玛", "intake_date": "2023"},             # year alone
        {"record_id": "S5", "name": "卓玛", "intake_date": "2023-02"},          # month alone
        {"record_id": "S6", "name": None, "intake_date": "2023年2月1日"},       # unidentified: kept
        {"record_id": "S7", "name": "拉姆", "intake_date": "44958"},            # Excel serial: kept
    ])
    records, quarantine = split_quarantine(raw)
    assert records["record_id"].tolist() == ["S1", "S6", "S7"]
    assert "raw" not in records.columns
    assert list(quarantine.columns) == QUARANTINE.names
    assert quarantine["row_number"].tolist() == [2, 3, 4, 5, 6, 7, 8]
    assert quarantine["reason"].tolist() == [
        "missing_record_id",
        "missing_record_id",
        "duplicate_record_id",
        "missing_required_date:intake_date",
        "unreadable_required_date:intake_date",
        "unreadable_required_date:intake_date",
        "unreadable_required_date:intake_date",
    ]
    assert quarantine["record_id"].tolist() == [None, None, "S1", "S2", "S3", "S4", "S5"]
    assert quarantine["raw"].tolist() == raw["raw"].iloc[1:8].tolist()
    assert quarantine["row_number"].dtype == "int64"


def test_first_occurrence_is_kept_even_when_it_is_itself_quarantined():
    raw = raw_frame("police", [
        {"record_id": "P1", "event_date": None},
        {"record_id": "P1", "event_date": "2023-03-01"},
    ])
    records, quarantine = split_quarantine(raw)
    assert len(records) == 0
    assert quarantine["reason"].tolist() == ["missing_required_date:event_date", "duplicate_record_id"]


def test_duplicates_are_per_source():
    raw = pd.concat([
        raw_frame("village", [{"record_id": "X1"}, {"record_id": "X1"}]),
        raw_frame("poverty", [{"record_id": "X1"}]),
    ], ignore_index=True)
    records, quarantine = split_quarantine(raw)
    assert list(zip(records["source"], records["record_id"])) == [("village", "X1"), ("poverty", "X1")]
    assert quarantine[["source", "row_number", "reason"]].values.tolist() == [["village", 2, "duplicate_record_id"]]


def test_sources_without_required_dates_keep_rows_without_dates():
    raw = raw_frame("poverty", [{"record_id": "H1", "event_date": None, "name": None, "id_number": None}])
    records, quarantine = split_quarantine(raw)
    assert records["record_id"].tolist() == ["H1"] and len(quarantine) == 0


def test_empty_input():
    columns = ["source", "file", "row_number", "record_id", "intake_date", "raw"]
    raw = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns}).astype({"row_number": "int64"})
    records, quarantine = split_quarantine(raw)
    assert len(records) == 0 and len(quarantine) == 0
    assert list(quarantine.columns) == QUARANTINE.names


def test_blank_row_between_data_rows_is_quarantined_as_blank(tmp_path):
    from pipelines.files.ingest import read_file

    path = tmp_path / "police" / "p.csv"
    path.parent.mkdir()
    path.write_text("record_id,name,event_date,extra\nP1,a,2023-03-01,\n,,,\n,,,note\nP2,b,2023-03-02,\n",
                    encoding="utf-8")
    records, quarantine = split_quarantine(read_file(path, "police", tmp_path))
    assert records["record_id"].tolist() == ["P1", "P2"]
    assert quarantine["row_number"].tolist() == [2, 3]
    assert quarantine["reason"].tolist() == ["blank_row", "missing_record_id"]


def test_malformed_row_is_quarantined_first_and_takes_no_part_in_the_duplicate_rule():
    raw = raw_frame("station", [
        {"record_id": None, "intake_date": None},                   # malformed: its cells are not read
        {"record_id": "S1", "intake_date": "2023-01-05"},
        {"record_id": "S2", "intake_date": "2023-01-06"},
    ])
    raw.insert(3, "read_fault", pd.Series(["malformed_row", None, None], dtype=object))
    raw.loc[0, "raw"] = json.dumps({"record_id": "S1", "intake_date": "2023-01-05", "column_3": "x"})
    records, quarantine = split_quarantine(raw)
    assert records["record_id"].tolist() == ["S1", "S2"]
    assert "read_fault" not in records.columns
    assert quarantine[["row_number", "reason"]].values.tolist() == [[1, "malformed_row"]]
    assert quarantine["raw"][0] == raw["raw"][0]


def test_oversized_values_are_quarantined_with_their_column():
    raw = raw_frame("station", [
        {"record_id": "S1", "name": "扎西次仁" * 100_000, "home_address": "拉萨", "intake_date": "2023-01-05"},
        {"record_id": "S2", "name": "次" * 100, "home_address": "拉" * 1001, "intake_date": "2023-01-05"},
        {"record_id": "S3", "name": "次" * 100, "home_address": "拉" * 1000, "intake_date": "2023-01-05"},
    ])
    records, quarantine = split_quarantine(raw)
    assert records["record_id"].tolist() == ["S3"]
    assert quarantine["reason"].tolist() == ["oversized_value:name", "oversized_value:home_address"]
