"""Output side of ../shared/CONTRACT.md: one explicit pyarrow schema per Parquet file."""
from __future__ import annotations

import pyarrow as pa

from schemas.contract import CONTRACT_VERSION, PARQUET_VERSION_KEY

# The comparisons of the roster linkage model; match_pairs / review_queue carry one
# int8 level column "<name>_level" per comparison (-1 = a side is missing, 0 = disagree,
# higher = stronger agreement; labels are in the saved model JSON).
ROSTER_COMPARISONS: tuple[str, ...] = (
    "name", "id_number", "birth", "sex", "county", "township", "village", "household",
    "event_timing",
)

RETURN_BUCKETS: tuple[str, ...] = ("0-180", "181-365", "366-730", ">730")
LEVEL_SUFFIX = "_level"


def level_column(comparison: str) -> str:
    """The column holding a comparison's level in pair frames and files: ``<name>_level``."""
    return comparison + LEVEL_SUFFIX


def _level_fields() -> list[pa.Field]:
    return [pa.field(level_column(c), pa.int8()) for c in ROSTER_COMPARISONS]


RECORD_LINKS = pa.schema([
    pa.field("source", pa.string(), nullable=False),
    pa.field("record_id", pa.string(), nullable=False),
    pa.field("person_id", pa.string(), nullable=False),
    pa.field("match_probability", pa.float64(), nullable=False),
    pa.field("file", pa.string()),
    pa.field("row_number", pa.int64()),
])

PERSONS = pa.schema([
    pa.field("person_id", pa.string(), nullable=False),
    pa.field("name", pa.string()),
    pa.field("sex", pa.string()),
    pa.field("birth_date", pa.date32()),
    pa.field("birth_year", pa.int32()),
    pa.field("id_number", pa.string()),
    pa.field("home_county_code", pa.string()),
    pa.field("n_records", pa.int32(), nullable=False),
    pa.field("sources", pa.list_(pa.string()), nullable=False),
    pa.field("first_seen", pa.date32()),
    pa.field("last_seen", pa.date32()),
    pa.field("on_poverty_list", pa.bool_(), nullable=False),
    pa.field("poverty_household_id", pa.string()),
    pa.field("n_returns", pa.int32(), nullable=False),
    pa.field("home_prefecture_code", pa.string()),
    pa.field("seen_in_city", pa.bool_(), nullable=False),
    pa.field("status", pa.string()),
    pa.field("last_seen_in_city", pa.date32()),
])

RETURNS = pa.schema([
    pa.field("person_id", pa.string(), nullable=False),
    pa.field("escort_source", pa.string(), nullable=False),
    pa.field("escort_record_id", pa.string(), nullable=False),
    pa.field("escort_date", pa.date32(), nullable=False),
    pa.field("return_source", pa.string(), nullable=False),
    pa.field("return_record_id", pa.string(), nullable=False),
    pa.field("return_date", pa.date32(), nullable=False),
    pa.field("days_to_return", pa.int32(), nullable=False),
    pa.field("days_bucket", pa.string(), nullable=False),
    pa.field("exit_type", pa.string()),
])

POVERTY_MATCHES = pa.schema([
    pa.field("person_id", pa.string(), nullable=False),
    pa.field("poverty_record_id", pa.string(), nullable=False),
    pa.field("household_id", pa.string()),
    pa.field("poverty_status", pa.string()),
    pa.field("match_probability", pa.float64(), nullable=False),
])

MATCH_PAIRS = pa.schema([
    pa.field("left_source", pa.string(), nullable=False),
    pa.field("left_record_id", pa.string(), nullable=False),
    pa.field("right_source", pa.string(), nullable=False),
    pa.field("right_record_id", pa.string(), nullable=False),
    pa.field("match_probability", pa.float64(), nullable=False),
    pa.field("match_weight", pa.float64(), nullable=False),
    *_level_fields(),
])

REVIEW_QUEUE = pa.schema([*MATCH_PAIRS, pa.field("reason", pa.string(), nullable=False)])

QUARANTINE = pa.schema([
    pa.field("source", pa.string(), nullable=False),
    pa.field("file", pa.string(), nullable=False),
    pa.field("row_number", pa.int64(), nullable=False),
    pa.field("record_id", pa.string()),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("raw", pa.string(), nullable=False),
])

FOLLOW_UPS = pa.schema([
    pa.field("person_id", pa.string(), nullable=False),
    pa.field("name", pa.string()),
    pa.field("sex", pa.string()),
    pa.field("birth_year", pa.int32()),
    *[pa.field(f"home_{level}_{part}", pa.string())
      for level in ("prefecture", "county", "township", "village") for part in ("code", "name")],
    pa.field("last_escort_date", pa.date32(), nullable=False),
    pa.field("last_escort_type", pa.string()),
    pa.field("last_destination", pa.string()),
    pa.field("last_return_date", pa.date32(), nullable=False),
    pa.field("last_return_source", pa.string(), nullable=False),
    pa.field("days_to_return", pa.int32(), nullable=False),
    pa.field("n_returns", pa.int32(), nullable=False),
    pa.field("last_seen", pa.date32()),
    pa.field("poverty_household_id", pa.string()),
    pa.field("poverty_status", pa.string()),
    pa.field("poverty_status_code", pa.string()),
    pa.field("priority", pa.int32(), nullable=False),
    pa.field("priority_reasons", pa.string(), nullable=False),
])

COHORT_WINDOWS_DAYS: tuple[int, ...] = (180, 365, 730)

RETURNS_BY_COHORT = pa.schema([
    pa.field("cohort_start", pa.date32(), nullable=False),
    pa.field("cohort_end", pa.date32(), nullable=False),
    pa.field("home_prefecture_code", pa.string()),
    pa.field("home_county_code", pa.string()),
    pa.field("escorts", pa.int32(), nullable=False),
    *[field for w in COHORT_WINDOWS_DAYS
      for field in (pa.field(f"returned_{w}", pa.float64()), pa.field(f"returns_within_{w}", pa.int32()))],
])

PRIVATE_OUTPUTS: frozenset[str] = frozenset({"follow_ups.parquet"})
"""Outputs naming people that are written readable by their owner only (0600)."""

OUTPUT_SCHEMAS: dict[str, pa.Schema] = {
    "record_links.parquet": RECORD_LINKS,
    "persons.parquet": PERSONS,
    "returns.parquet": RETURNS,
    "poverty_matches.parquet": POVERTY_MATCHES,
    "match_pairs.parquet": MATCH_PAIRS,
    "review_queue.parquet": REVIEW_QUEUE,
    "quarantine.parquet": QUARANTINE,
    "follow_ups.parquet": FOLLOW_UPS,
    "returns_by_cohort.parquet": RETURNS_BY_COHORT,
}


def with_contract_version(schema: pa.Schema) -> pa.Schema:
    """The schema with the contract version in its key-value metadata."""
    meta = dict(schema.metadata or {})
    meta[PARQUET_VERSION_KEY] = CONTRACT_VERSION.encode()
    return schema.with_metadata(meta)
