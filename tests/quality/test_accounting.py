import pandas as pd

from quality.accounting import accounting_balanced, accounting_table


def frame(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source", "file"], dtype=object)


RAW = frame([("station", "station/a.csv")] * 3 + [("station", "station/b.csv")] + [("police", "police/p.xlsx")] * 2)


def test_balanced_table_per_source_and_file():
    records = frame([("station", "station/a.csv")] * 2 + [("police", "police/p.xlsx")] * 2)
    quarantine = frame([("station", "station/a.csv"), ("station", "station/b.csv")])
    table = accounting_table(RAW, records, quarantine)
    assert table.values.tolist() == [
        ["police", "police/p.xlsx", 2, 2, 0, True],
        ["station", "station/a.csv", 3, 2, 1, True],
        ["station", "station/b.csv", 1, 0, 1, True],
    ]
    assert accounting_balanced(table)


def test_a_lost_row_unbalances_its_file():
    records = frame([("station", "station/a.csv")] * 2 + [("police", "police/p.xlsx")] * 2)
    quarantine = frame([("station", "station/a.csv")])
    table = accounting_table(RAW, records, quarantine)
    assert table.set_index("file")["balanced"].to_dict() == {
        "police/p.xlsx": True, "station/a.csv": True, "station/b.csv": False,
    }
    assert not accounting_balanced(table)


def test_a_row_from_nowhere_unbalances():
    records = frame([("station", "station/c.csv")])
    table = accounting_table(frame([]), records, frame([]))
    assert table.values.tolist() == [["station", "station/c.csv", 0, 1, 0, False]]
    assert not accounting_balanced(table)


def test_empty_balances():
    assert accounting_balanced(accounting_table(frame([]), frame([]), frame([])))


def test_split_quarantine_output_balances():
    from quality.quarantine import split_quarantine

    raw = pd.DataFrame({
        "source": ["police"] * 3, "file": ["police/p.csv"] * 3, "row_number": [1, 2, 3],
        "record_id": ["P1", "P1", None], "event_date": ["2023-01-01"] * 3, "raw": ["{}"] * 3,
    }, dtype=object).astype({"row_number": "int64"})
    records, quarantine = split_quarantine(raw)
    table = accounting_table(raw, records, quarantine)
    assert table[["rows_read", "rows_accepted", "rows_quarantined"]].values.tolist() == [[3, 1, 2]]
    assert accounting_balanced(table)
