"""The quality-suite resource: a background child gives the inline verdicts (real GX runs both ways).

The Spark session resource is tested with the other Spark tests (tests/pipelines/spark/test_session.py),
whose shared session it stops."""
import pandas as pd

from pipelines.defs.resources import QualitySuites
from pipelines.local.quality_child import source_rows
from quality.suites import validate_records


def mixed_records() -> pd.DataFrame:
    """Station rows (two of them breaking the suite) and police rows, one frame as quarantine_split gives."""
    n = 30
    station = pd.DataFrame({
        "source": ["station"] * n,
        "record_id": [f"S{i}" for i in range(n)],
        "name": ["次仁"] * n,
        "sex": ["M"] * n,
        "id_number": ["54010219850307123X"] * n,
        "intake_date": ["2023-01-05"] * n,
        "exit_type": ["护送返乡"] * n,
    }, dtype=object)
    station.loc[1, "record_id"] = "S0"
    station.loc[2, "exit_type"] = "EXITVALUE"
    police = pd.DataFrame({
        "source": ["police"] * n,
        "record_id": [f"P{i}" for i in range(n)],
        "name": ["扎西"] * n,
        "sex": ["F"] * n,
        "id_number": [None] * n,
        "event_date": ["2023-02-01"] * n,
    }, dtype=object)
    return pd.concat([police, station], ignore_index=True)


def test_background_child_gives_the_inline_verdicts():
    records = mixed_records()
    suites = QualitySuites(background=True)
    suites.start(records)
    for source in ("station", "police"):
        assert suites.verdict(records, source) == validate_records(source_rows(records, source), source)
    assert not suites.verdict(records, "station").success


def test_without_background_nothing_starts_and_the_check_validates_inline():
    records = mixed_records()
    suites = QualitySuites()
    suites.start(records)
    assert suites._child is None
    assert suites.verdict(records, "station") == validate_records(source_rows(records, "station"), "station")


def test_a_child_that_dies_leaves_the_verdict_to_an_inline_run():
    records = mixed_records()
    suites = QualitySuites(background=True)
    suites.start(records)
    suites._child.kill()
    assert suites.verdict(records, "police") == validate_records(source_rows(records, "police"), "police")
