import pandas as pd

from quality.suites import ExpectationOutcome, validate_records, validation_view


def station_records(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "source": ["station"] * n,
        "record_id": [f"S{i}" for i in range(n)],
        "name": ["次仁"] * n,
        "sex": (["男", "F", "female", "2", "M "] * n)[:n],
        "id_number": (["54010219850307123X", "540102850307123", None] * n)[:n],
        "intake_date": ["2023-01-05"] * n,
        "exit_type": (["护送返乡", "handed_over", None] * n)[:n],
        "age": ([None, "38"] * n)[:n],
    }, dtype=object)


def outcome(result, expectation_type: str, column: str) -> ExpectationOutcome:
    (found,) = [o for o in result.expectations if o.expectation_type == expectation_type and o.column == column]
    return found


def test_clean_station_records_pass():
    result = validate_records(station_records(40), "station")
    assert result.success
    assert result.n_failed == 0
    assert result.n_expectations == len(result.expectations) == 7
    assert {(o.expectation_type, o.column) for o in result.expectations} >= {
        ("expect_column_values_to_not_be_null", "record_id"),
        ("expect_column_values_to_be_unique", "record_id"),
        ("expect_column_values_to_not_be_null", "intake_date"),
        ("expect_column_values_to_be_in_set", "sex"),
        ("expect_column_values_to_match_regex", "id_number"),
        ("expect_column_values_to_be_in_set", "exit_type"),
    }


def test_broken_station_records_fail_with_counts_and_no_values():
    records = station_records(40)
    records.loc[1, "record_id"] = "S0"                      # duplicate
    records.loc[0:9, "sex"] = "SEXVALUE"                     # 10 of 40 unreadable: above the 5 % allowed
    records.loc[3, "exit_type"] = "EXITVALUE"                # not an accepted spelling
    records.loc[0:1, "id_number"] = "5401021985"             # 2 of ~27 present: above the 5 % allowed
    records.loc[5, "intake_date"] = None
    result = validate_records(records, "station")
    assert not result.success
    assert outcome(result, "expect_column_values_to_be_unique", "record_id").unexpected_count == 2
    assert outcome(result, "expect_column_values_to_be_in_set", "sex").unexpected_count == 10
    assert outcome(result, "expect_column_values_to_be_in_set", "exit_type").unexpected_count == 1
    assert outcome(result, "expect_column_values_to_match_regex", "id_number").unexpected_count == 2
    assert outcome(result, "expect_column_values_to_not_be_null", "intake_date").unexpected_count == 1
    assert outcome(result, "expect_column_values_to_not_be_null", "record_id").success
    assert result.n_failed == 5
    text = repr(result)
    for value in ("SEXVALUE", "EXITVALUE", "5401021985", "次仁"):
        assert value not in text


def test_validation_view_reads_sex_and_fills_absent_columns():
    records = pd.DataFrame({"record_id": ["A", "B", "C", "D"], "sex": ["男", "f", "x", None]}, dtype=object)
    view = validation_view(records, "poverty")
    assert view["sex"].tolist() == ["M", "F", "unreadable", None]
    assert view["household_id"].tolist() == [None] * 4
    assert "raw" not in view.columns


SUITE_IN_BARE_MAIN = """
import pandas as pd
from quality.suites import validate_records
records = pd.DataFrame({"source": ["poverty"], "record_id": ["P0"], "sex": ["M"], "household_id": ["H0"]},
                       dtype=object)
print("verdict", validate_records(records, "poverty").n_expectations)
"""


def test_suite_runs_where_main_has_no_file_with_pyspark_installed():
    """`python -c` leaves __main__ without __spec__ or __file__, as a Dagster step subprocess does:
    importing pyspark.sql.connect there calls sys.exit(0); the suite must still run and report."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    pytest.importorskip("pyspark")
    repo = Path(__file__).resolve().parents[2]
    completed = subprocess.run([sys.executable, "-c", SUITE_IN_BARE_MAIN], cwd=repo, capture_output=True,
                               text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(repo)})
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "verdict " in completed.stdout
    assert "Skipping doctests" not in completed.stderr
