"""The pseudonymized analysis export (`rosterlink export --pseudonymize`): the current run's
outcome files without names, id numbers, addresses or record ids (HMIS de-identification
practice; every column documented in docs/privacy.md).

Rules: only the columns listed in EXPORT_COLUMNS leave, each kept as is, coarsened, or replaced
by a keyed pseudonym (HMAC-SHA256 with the state's export key, never the key of person ids);
a column not listed (a future addition) is never exported. Files are 0600 in a 0700 folder.
"""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.files.runs import current_run_id
from pipelines.files.state import export_key, private_dir
from pipelines.files.writers import atomic_path

Treatment = Literal["keep", "pseudonym"]

EXPORT_COLUMNS: dict[str, dict[str, Treatment]] = {
    "persons.parquet": {
        "person_id": "pseudonym", "sex": "keep", "birth_year": "keep", "home_county_code": "keep",
        "n_records": "keep", "sources": "keep", "first_seen": "keep", "last_seen": "keep",
        "on_poverty_list": "keep", "poverty_household_id": "pseudonym", "n_returns": "keep", "status": "keep",
    },
    "returns.parquet": {
        "person_id": "pseudonym", "escort_source": "keep", "escort_date": "keep", "return_source": "keep",
        "return_date": "keep", "days_to_return": "keep",
    },
    "poverty_matches.parquet": {
        "person_id": "pseudonym", "household_id": "pseudonym", "poverty_status": "keep", "match_probability": "keep",
    },
    "record_links.parquet": {"source": "keep", "person_id": "pseudonym", "match_probability": "keep"},
}
"""Per exported file, the columns that leave and how; every other column stays behind."""

PSEUDONYM_PREFIX = "X"


class ExportError(ValueError):
    """The export cannot be made (one line, no personal data)."""


def pseudonym(key: bytes, value: str) -> str:
    """The export's keyed pseudonym of an identifier (stable within one output folder's export key)."""
    return PSEUDONYM_PREFIX + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def pseudonymized(frame: pd.DataFrame, columns: dict[str, Treatment], key: bytes) -> pd.DataFrame:
    """The listed columns of the frame, identifiers replaced by pseudonyms (missing stay missing)."""
    out = pd.DataFrame(index=frame.index)
    for column, treatment in columns.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        out[column] = values if treatment == "keep" else values.map(
            lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else pseudonym(key, str(v)))
    return out.reset_index(drop=True)


def export_pseudonymized(output_dir: Path, target: Path) -> list[Path]:
    """Write the pseudonymized copy of the output folder's current run into `target`; the files written."""
    output_dir = Path(output_dir)
    run_id = current_run_id(output_dir)
    if run_id is None:
        raise ExportError(f"{output_dir} holds no completed run to export")
    if Path(target).resolve() == output_dir.resolve():
        raise ExportError("the export folder must not be the output folder")
    key = export_key(output_dir)
    private_dir(Path(target))
    written = []
    for name, columns in EXPORT_COLUMNS.items():
        source = output_dir / name
        if not source.exists():
            continue
        table = pa.Table.from_pandas(pseudonymized(pq.read_table(source).to_pandas(), columns, key),
                                     preserve_index=False)
        table = table.replace_schema_metadata({b"rosterlink.run_id": run_id.encode(),
                                               b"rosterlink.export": b"pseudonymized"})
        path = Path(target) / name
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        written.append(path)
    return written
