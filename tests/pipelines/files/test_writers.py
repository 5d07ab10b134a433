"""Atomic, schema-exact writes of the output files."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines.files import writers
from schemas.contract import CONTRACT_VERSION, PARQUET_VERSION_KEY
from schemas.outputs import PERSONS, QUARANTINE


def _persons() -> pd.DataFrame:
    return pd.DataFrame({
        "person_id": ["P000001", "P000002"],
        "name": ["甲", None],
        "sex": ["M", None],
        "birth_date": pd.to_datetime(["1985-03-07 13:00", None]),
        "birth_year": pd.array([1985, None], dtype="Int32"),
        "n_records": [2, 1],
        "sources": [["station", "police"], ("poverty",)],
        "first_seen": pd.to_datetime(["2020-01-02", None]),
        "last_seen": pd.to_datetime(["2021-05-06", None]),
        "on_poverty_list": [False, True],
        "n_returns": [1, 0],
        "seen_in_city": [True, False],
        "not_in_contract": ["x", "y"],
    })


def test_output_has_exact_schema_and_contract_version(tmp_path):
    path = writers.write_output(_persons(), tmp_path, "persons.parquet")
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == PERSONS.remove_metadata()
    assert pq.read_metadata(path).metadata[PARQUET_VERSION_KEY] == CONTRACT_VERSION.encode()
    rows = table.to_pylist()
    assert str(rows[0]["birth_date"]) == "1985-03-07"
    assert rows[0]["sources"] == ["station", "police"]
    assert rows[1]["birth_year"] is None and rows[1]["id_number"] is None
    assert rows[1]["on_poverty_list"] is True


def test_missing_required_column_is_refused_and_names_no_values(tmp_path):
    frame = _persons().drop(columns=["n_records"])
    with pytest.raises(writers.OutputSchemaError, match="persons.parquet: required column n_records"):
        writers.write_output(frame, tmp_path, "persons.parquet")
    assert list(tmp_path.iterdir()) == []


def test_empty_value_in_required_column_is_refused(tmp_path):
    frame = pd.DataFrame({"source": ["station"], "file": [None], "row_number": [3],
                          "record_id": ["r1"], "reason": ["missing_record_id"], "raw": ["{}"]})
    with pytest.raises(writers.OutputSchemaError, match="file has 1 empty"):
        writers.write_parquet(frame, tmp_path / "q.parquet", QUARANTINE)


def test_empty_frame_writes_an_empty_file_with_schema(tmp_path):
    frame = pd.DataFrame(columns=[f.name for f in QUARANTINE])
    path = writers.write_output(frame, tmp_path, "quarantine.parquet")
    table = pq.read_table(path)
    assert table.num_rows == 0 and table.schema.names == QUARANTINE.names


def test_failed_write_keeps_previous_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "run_summary.json"
    writers.write_json({"version": 1}, target)
    with pytest.raises(RuntimeError):
        with writers.atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert json.loads(target.read_text(encoding="utf-8")) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["run_summary.json"]


def test_unknown_output_name_is_refused(tmp_path):
    with pytest.raises(KeyError):
        writers.write_output(_persons(), tmp_path, "people.parquet")


def test_person_id_map_round_trip(tmp_path):
    empty = writers.read_person_id_map(tmp_path)
    assert len(empty) == 0 and list(empty.columns) == ["record_key", "person_id"]
    mapping = pd.DataFrame({"record_key": ["station:S1", "police:X9", "poverty:A"],
                            "person_id": ["P000001", "P000001", "P000002"]})
    writers.write_person_id_map(mapping, tmp_path)
    pd.testing.assert_frame_equal(writers.read_person_id_map(tmp_path), mapping)


def test_run_summary_carries_contract_version(tmp_path):
    path = writers.write_run_summary({"persons": 3}, tmp_path)
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload == {"persons": 3, "contract_version": CONTRACT_VERSION}
