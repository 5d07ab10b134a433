"""Row accounting: every row read is either accepted or quarantined, per source and file."""
from __future__ import annotations

import pandas as pd

ACCOUNTING_COLUMNS: list[str] = [
    "source", "file", "rows_read", "rows_accepted", "rows_quarantined", "balanced",
]
_KEYS = ["source", "file"]


def _counts(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame.groupby(_KEYS, sort=False).size().rename(name)


def accounting_table(raw: pd.DataFrame, records: pd.DataFrame, quarantine: pd.DataFrame) -> pd.DataFrame:
    """rows_read, rows_accepted, rows_quarantined and balanced (read = accepted + quarantined) per source and file."""
    counts = pd.concat(
        [_counts(raw, "rows_read"), _counts(records, "rows_accepted"), _counts(quarantine, "rows_quarantined")],
        axis=1,
    )
    counts = counts.fillna(0).astype("int64").sort_index().reset_index()
    counts["balanced"] = counts["rows_read"] == counts["rows_accepted"] + counts["rows_quarantined"]
    return counts.reindex(columns=ACCOUNTING_COLUMNS)


def accounting_balanced(table: pd.DataFrame) -> bool:
    """True when every source and file balances (an empty table balances)."""
    return bool(table["balanced"].all())
