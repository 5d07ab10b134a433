import numpy as np
import pandas as pd

from linkage.roster.birth import birth_fields, birth_levels, parse_ages
from linkage.roster.normalize import normalize_records


def test_age_only_record_gives_a_two_year_interval():
    fields = birth_fields(
        pd.Series([None], dtype=object), pd.Series(["35岁"]), pd.Series(pd.to_datetime(["2020-06-01"])),
    )
    assert (fields["birth_year_lo"].iloc[0], fields["birth_year_hi"].iloc[0]) == (1984, 1985)
    assert fields["birth_precision"].iloc[0] == "age"


def test_date_precisions():
    fields = birth_fields(
        pd.Series(["1985-03-07", "1985年3月", "1985", "nonsense"]),
        pd.Series([None] * 4, dtype=object),
        pd.Series(pd.to_datetime([None] * 4)),
    )
    assert fields["birth_precision"].tolist() == ["day", "month", "year", None]
    assert fields["birth_date"].iloc[0] == pd.Timestamp("1985-03-07")
    assert fields["birth_date"].iloc[1:].isna().all()
    assert fields["birth_year_lo"].iloc[:3].tolist() == [1985, 1985, 1985]


def test_parse_ages():
    assert parse_ages(pd.Series(["35", "约40岁", "200", None, "abc"])).tolist() == [35, 40, pd.NA, pd.NA, pd.NA]


def test_birth_levels():
    records = pd.DataFrame({
        "source": "station", "record_id": [f"r{i}" for i in range(8)], "file": "s.csv",
        "row_number": range(1, 9),
        "birth_date": ["1985-03-07", "1985/3/7", "1985-03-20", "1985-11-01", "1986", None, "1990", None],
        "age": [None, None, None, None, None, "35", None, None],
        "intake_date": ["2020-06-01"] * 8,
        "id_number": [None] * 7 + ["540202198503070015"],
    })
    df = normalize_records(records)
    left = np.array([0, 0, 0, 0, 0, 0, 5, 0])
    right = np.array([1, 2, 3, 4, 6, 5, 6, 7])
    # same date, same month, same year, one year apart, conflict, age interval overlaps,
    # age vs 1990 (gap 5: estimate far, not a conflict), id's embedded date used when the field is missing
    assert birth_levels(df, left, right).tolist() == [7, 6, 5, 4, 0, 3, 1, 7]


def test_missing_birth_is_minus_one():
    records = pd.DataFrame({
        "source": "poverty", "record_id": ["a", "b"], "file": "p.csv", "row_number": [1, 2],
        "birth_date": ["1985", None],
    })
    df = normalize_records(records)
    assert birth_levels(df, np.array([0]), np.array([1])).tolist() == [-1]
