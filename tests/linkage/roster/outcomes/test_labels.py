"""labels: registry status text to stable English codes and labels."""
from __future__ import annotations

import pandas as pd

from linkage.roster.outcomes.labels import label, poverty_status_code


def test_poverty_status_codes_and_labels():
    codes = poverty_status_code(pd.Series(["未脱贫", " 已脱贫", "监测户", "<a href=x>", None, ""], dtype=object))
    assert codes.tolist() == ["not_lifted_out", "lifted_out", "monitored", "other", None, None]
    assert label("poverty_status_code", "not_lifted_out") == "not yet lifted out of poverty"
    assert label("exit_type", "handed_over") == "handed over to the home area" and label("status", None) == "not given"
