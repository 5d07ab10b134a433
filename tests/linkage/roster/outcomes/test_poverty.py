"""Poverty matches: only persons holding a poverty record and a record of another source."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from linkage.roster.outcomes.poverty import poverty_matches
from schemas.outputs import POVERTY_MATCHES


def _inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    normalized = pd.DataFrame({
        "source": ["poverty", "station", "poverty", "poverty", "police", "poverty", "village"],
        "record_id": ["v1", "s1", "v2", "v3", "p3", "v4", "w1"],
        "name_norm": ["甲乙丙丁"] * 7,
        "household_id": ["H1", None, "H2", "H3", None, "H3", "H9"],
        "poverty_status": ["未脱贫", None, "已脱贫", "监测户", None, "监测户", None],
    }, dtype=object)
    record_links = pd.DataFrame({
        "source": normalized["source"],
        "record_id": normalized["record_id"],
        "person_id": ["A", "A", "B", "C", "C", "C", "D"],
        "match_probability": [0.97, 0.97, 1.0, 0.99, 0.96, 0.98, 1.0],
    })
    return normalized, record_links.iloc[::-1].reset_index(drop=True)


def test_one_row_per_poverty_record_of_a_person_met_elsewhere():
    matches = poverty_matches(*_inputs())
    assert matches[["person_id", "poverty_record_id"]].values.tolist() == [["A", "v1"], ["C", "v3"], ["C", "v4"]]
    assert matches["household_id"].tolist() == ["H1", "H3", "H3"]
    assert matches["poverty_status"].tolist() == ["未脱贫", "监测户", "监测户"]
    assert matches["match_probability"].tolist() == [0.97, 0.99, 0.98]


def test_person_of_poverty_records_only_is_not_a_match():
    assert "B" not in set(poverty_matches(*_inputs())["person_id"])


def test_same_name_without_a_link_is_not_a_match():
    normalized, record_links = _inputs()
    record_links.loc[record_links["record_id"] == "p3", "person_id"] = "E"
    record_links.loc[record_links["record_id"] == "s1", "person_id"] = "F"
    assert poverty_matches(normalized, record_links).empty


def test_converts_to_the_contract_schema():
    table = pa.Table.from_pandas(poverty_matches(*_inputs()), schema=POVERTY_MATCHES, preserve_index=False)
    assert table.num_rows == 3


def test_record_missing_from_record_links_is_refused():
    normalized, record_links = _inputs()
    with pytest.raises(ValueError, match="1 normalized records have no row"):
        poverty_matches(normalized, record_links[record_links["record_id"] != "s1"])
