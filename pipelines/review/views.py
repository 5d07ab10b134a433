"""What the page template gets for one pair: the records side by side, the waterfall, the persons' records.

In blind mode nothing of the model's score goes in: no probability, no weight, no threshold,
no queue reason (it tells which side of the threshold a pair is on).
"""
from __future__ import annotations

from dataclasses import dataclass

from pipelines.review.loading import ReviewData
from pipelines.review.queue import QueuedPair, RecordKey, threshold_weight
from pipelines.review.waterfall import Waterfall, waterfall

WHERE_FIELDS = ("file", "row_number")
"""Fields that tell where a record was read: never marked as a disagreement."""
PERSON_RECORD_FIELDS = ("name", "sex", "birth_date", "id_number", "intake_date", "event_date", "home_address")


@dataclass(frozen=True)
class RecordView:
    """One side of the pair: its key, person, fields as read and columns as written (None if not in the input)."""

    source: str
    record_id: str
    person_id: str | None
    fields: dict[str, str | None] | None
    written: dict[str, str] | None


def _record(data: ReviewData, key: RecordKey) -> RecordView:
    found = data.record_fields(key)
    fields, written = found if found is not None else (None, None)
    return RecordView(key[0], key[1], data.person_of(key), fields, written)


def _field_rows(left: RecordView, right: RecordView) -> list[tuple[str, str | None, str | None, bool]]:
    """(field, left value, right value, differ) for every field either record has."""
    names = list(dict.fromkeys([*(left.fields or {}), *(right.fields or {})]))
    rows = []
    for name in names:
        a, b = (left.fields or {}).get(name), (right.fields or {}).get(name)
        rows.append((name, a, b, name not in WHERE_FIELDS and a is not None and b is not None and a != b))
    return rows


def _person_records(data: ReviewData, record: RecordView, exclude: set[RecordKey], blind: bool) -> list[dict]:
    rows = []
    for link in data.records_of_person(record.person_id).itertuples(index=False):
        key = (link.source, link.record_id)
        if key in exclude:
            continue
        found = data.record_fields(key)
        fields = found[0] if found is not None else {}
        rows.append({"source": link.source, "record_id": link.record_id,
                     "fields": [fields.get(name) for name in PERSON_RECORD_FIELDS],
                     "probability": None if blind else f"{link.match_probability:.3f}"})
    return rows


def pair_view(data: ReviewData, pair: QueuedPair, blind: bool) -> dict:
    """The template context of one pair."""
    left, right = _record(data, pair.left), _record(data, pair.right)
    explanation, with_tf = data.explanation(pair)
    chart: Waterfall | None = None if blind else waterfall(explanation, threshold_weight(data.match_threshold))
    agreements = [(str(row.comparison), str(row.label)) for row in explanation.itertuples(index=False)
                  if row.comparison != "prior"]
    pair_keys = {pair.left, pair.right}
    return {
        "pair": pair,
        "left": left,
        "right": right,
        "field_rows": _field_rows(left, right),
        "agreements": agreements,
        "waterfall": chart,
        "with_tf": with_tf,
        "score": None if blind else {"probability": f"{pair.match_probability:.3f}",
                                     "weight": f"{pair.match_weight:.2f}",
                                     "threshold": f"{data.match_threshold:.2f}",
                                     "distance": f"{pair.threshold_distance:.2f}",
                                     "reason": pair.reason},
        "person_fields": PERSON_RECORD_FIELDS,
        "left_person_records": _person_records(data, left, pair_keys, blind),
        "right_person_records": _person_records(data, right, pair_keys, blind),
        "same_person": left.person_id is not None and left.person_id == right.person_id,
    }
