"""Stable English codes of coded input text, and English labels of every code the outputs carry.

Convention (docs/outputs.md): a coded column holds a stable English code; where the contract's
column holds the input's own text (poverty_status), that text is kept as read and a sibling
`<column>_code` carries the code. Unknown input text maps to `other`, a blank to None.
"""
from __future__ import annotations

import pandas as pd

POVERTY_STATUS_CODES: dict[str, str] = {
    "未脱贫": "not_lifted_out",
    "贫困户": "not_lifted_out",
    "已脱贫": "lifted_out",
    "脱贫户": "lifted_out",
    "监测户": "monitored",
    "脱贫不稳定户": "monitored",
    "边缘易致贫户": "monitored",
    "突发严重困难户": "monitored",
}
"""poverty_status text of the registry -> code (monitored: the relapse-prevention monitoring categories)."""

LABELS: dict[str, dict[str, str]] = {
    "poverty_status_code": {
        "not_lifted_out": "not yet lifted out of poverty",
        "lifted_out": "lifted out of poverty",
        "monitored": "under relapse-prevention monitoring",
        "other": "other status",
    },
    "exit_type": {
        "escorted_home": "escorted home", "handed_over": "handed over to the home area",
        "left": "left on their own", "medical": "to hospital", "other": "other exit",
    },
    "status": {
        "active": "seen in the city recently", "returned": "came back recently after an escort",
        "inactive": "not seen in the city recently",
    },
    "source": {
        "station": "relief station", "police": "police referral", "village": "village roster",
        "poverty": "poverty registry",
    },
}


def poverty_status_code(text: pd.Series) -> pd.Series:
    """The code of each poverty_status text (trimmed): a known status, `other`, or None when blank."""
    cleaned = text.astype("string").str.strip()
    codes = cleaned.map(POVERTY_STATUS_CODES).astype(object)
    return codes.where(cleaned.isna() | (cleaned == "") | codes.notna(), "other").where(
        cleaned.notna() & (cleaned != ""), None)


def label(column: str, code: object) -> str:
    """The English label of a code of a coded column; the code itself when it has none."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return "not given"
    return LABELS.get(column, {}).get(str(code), str(code))
