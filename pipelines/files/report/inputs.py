"""What the report is drawn from: the run's output frames and its run_summary dict."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from schemas.contract import CITY_SOURCES


@dataclass(frozen=True)
class ReportInputs:
    """The run's output frames (contract columns) and its run_summary dict.

    city_encounters: person_id and event_date of every station or police record (city_encounters());
    escorts: person_id and escort_date of every escort home or hand-over (cohorts.escorts()).
    """

    persons: pd.DataFrame
    returns: pd.DataFrame
    poverty_matches: pd.DataFrame
    match_pairs: pd.DataFrame
    review_queue: pd.DataFrame
    city_encounters: pd.DataFrame
    run_summary: dict[str, Any]
    follow_ups: pd.DataFrame
    returns_by_cohort: pd.DataFrame
    escorts: pd.DataFrame


def city_encounters(normalized: pd.DataFrame, person_id: pd.Series) -> pd.DataFrame:
    """person_id and event_date of every station or police record with an event date."""
    is_city = normalized["source"].isin(CITY_SOURCES).to_numpy() & normalized["event_date"].notna().to_numpy()
    return pd.DataFrame({
        "person_id": np.asarray(person_id, dtype=object)[is_city],
        "event_date": normalized["event_date"].to_numpy()[is_city],
    })
