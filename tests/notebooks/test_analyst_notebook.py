"""The analyst notebook runs top to bottom on an output folder and prints no name or id number."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from nbclient import NotebookClient

from schemas.outputs import (PERSONS, POVERTY_MATCHES, RETURNS, RETURNS_BY_COHORT, REVIEW_QUEUE,
                             ROSTER_COMPARISONS, with_contract_version)

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "analyst.ipynb"
NAME = "虚构洛桑测试"
ID_NUMBER = "540102198001019998"


def _persons() -> pd.DataFrame:
    n = 6
    return pd.DataFrame({
        "person_id": [f"P{i:04d}" for i in range(n)],
        "name": [NAME] * n,
        "sex": ["M", "F", None, "M", "F", "M"],
        "birth_date": pd.to_datetime(["1980-01-01", None, None, "1990-05-05", None, None]),
        "birth_year": pd.array([1980, None, 1975, 1990, None, None], dtype="Int32"),
        "id_number": [ID_NUMBER, None, None, None, None, None],
        "home_county_code": ["540102", "540221", None, "542521", "540221", None],
        "n_records": pd.array([3, 2, 1, 2, 1, 1], dtype="Int32"),
        "sources": [["police", "poverty", "station"], ["poverty", "station"], ["police"], ["station", "village"],
                    ["poverty"], ["village"]],
        "first_seen": pd.to_datetime(["2021-01-01", "2021-03-01", "2022-01-01", "2020-06-01", None, "2021-01-01"]),
        "last_seen": pd.to_datetime(["2022-06-01", "2021-08-01", "2022-01-01", "2023-01-01", None, "2021-01-01"]),
        "on_poverty_list": [True, True, False, False, True, False],
        "poverty_household_id": ["H1", "H2", None, None, "H3", None],
        "n_returns": pd.array([2, 0, 0, 1, 0, 0], dtype="Int32"),
        "home_prefecture_code": ["540100", "540200", None, "542500", "540200", None],
        "seen_in_city": [True, True, True, True, False, False],
        "status": ["returned", "active", "inactive", "inactive", "inactive", "inactive"],
        "last_seen_in_city": pd.to_datetime(["2022-06-01", "2021-08-01", "2022-01-01", "2023-01-01", None, None]),
    })


def _cohorts() -> pd.DataFrame:
    return pd.DataFrame({
        "cohort_start": pd.to_datetime(["2020-04-01", "2021-01-01", "2021-07-01"]),
        "cohort_end": pd.to_datetime(["2020-06-30", "2021-03-31", "2021-09-30"]),
        "home_prefecture_code": ["542500", "540100", "540100"],
        "home_county_code": ["542521", "540102", "540102"],
        "escorts": pd.array([1, 1, 1], dtype="Int32"),
        "returned_180": [0.0, 1.0, 0.0], "returns_within_180": pd.array([0, 1, 0], dtype="Int32"),
        "returned_365": [0.0, 1.0, 1.0], "returns_within_365": pd.array([0, 1, 1], dtype="Int32"),
        "returned_730": [0.0, 1.0, None], "returns_within_730": pd.array([0, 1, None], dtype="Int32"),
    })


def _returns() -> pd.DataFrame:
    return pd.DataFrame({
        "person_id": ["P0000", "P0000", "P0003"],
        "escort_source": ["station"] * 3,
        "escort_record_id": ["s1", "s2", "s7"],
        "escort_date": pd.to_datetime(["2021-01-10", "2021-09-01", "2020-06-20"]),
        "return_source": ["station", "police", "station"],
        "return_record_id": ["s2", "p4", "s8"],
        "return_date": pd.to_datetime(["2021-05-01", "2022-06-01", "2023-01-01"]),
        "days_to_return": pd.array([111, 273, 925], dtype="Int32"),
        "days_bucket": ["0-180", "181-365", ">730"],
        "exit_type": ["escorted_home", "handed_over", "escorted_home"],
    })


def _poverty_matches() -> pd.DataFrame:
    return pd.DataFrame({
        "person_id": ["P0000", "P0001"],
        "poverty_record_id": ["v1", "v2"],
        "household_id": ["H1", "H2"],
        "poverty_status": ["未脱贫", None],
        "match_probability": [0.99, 0.97],
    })


def _review_queue() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    queue = pd.DataFrame({
        "left_source": ["station", "police", "village"],
        "left_record_id": ["s3", "p5", "w1"],
        "right_source": ["police", "poverty", "poverty"],
        "right_record_id": ["p9", "v7", "v8"],
        "match_probability": [0.62, 0.91, 0.97],
        "match_weight": [0.7, 3.3, 5.0],
    })
    for comparison in ROSTER_COMPARISONS:
        queue[f"{comparison}_level"] = rng.integers(-1, 3, len(queue)).astype(np.int8)
    queue["reason"] = ["probability_in_review_band", "probability_in_review_band", "above_threshold_not_merged"]
    return queue


def _write(frame: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(frame, schema=with_contract_version(schema), preserve_index=False), path)


@pytest.fixture()
def output_dir(tmp_path: Path) -> Path:
    _write(_persons(), PERSONS, tmp_path / "persons.parquet")
    _write(_returns(), RETURNS, tmp_path / "returns.parquet")
    _write(_poverty_matches(), POVERTY_MATCHES, tmp_path / "poverty_matches.parquet")
    _write(_review_queue(), REVIEW_QUEUE, tmp_path / "review_queue.parquet")
    _write(_cohorts(), RETURNS_BY_COHORT, tmp_path / "returns_by_cohort.parquet")
    (tmp_path / "run_summary.json").write_text(json.dumps({
        "thresholds": {"match_threshold": 0.3, "review_floor": 0.2},
        "returns_by_cohort": {"measured_to": "2023-01-01"}}), encoding="utf-8")
    return tmp_path


def test_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert code_cells and all(not c.outputs and c.execution_count is None for c in code_cells)


def test_runs_on_an_output_folder_without_printing_personal_values(output_dir: Path, monkeypatch):
    monkeypatch.setenv("ROSTERLINK_OUTPUT", str(output_dir))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    printed = json.dumps([c.get("outputs", []) for c in notebook.cells], ensure_ascii=False)
    assert NAME not in printed and ID_NUMBER not in printed, "a personal value was printed"
    assert "P0000" in printed and "未脱贫" in printed and "拉萨市" in printed
    assert '"ename"' not in printed
    charts = [o for c in notebook.cells for o in c.get("outputs", [])
              if "<svg class='chart'" in "".join(o.get("data", {}).get("text/html", ""))]
    assert len(charts) >= 6, "the executed notebook lacks its charts"
    for title in ("Time to return", "Share of each escort cohort back in the city",
                  "Poverty status of the persons who came back", "Persons met in the city by home prefecture"):
        assert title in printed, title
    assert "城关区" in printed and "普兰县" in printed, "counties are not named from the gazetteer"
    assert "not yet lifted out of poverty" in printed
    assert "bins: [0.0, 0.2, 0.25, 0.3, 0.65, 1.0]" in printed, "review bins do not follow the run's thresholds"
