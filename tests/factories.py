"""Builders of valid contract payloads for tests (random ids so tests never collide)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from minqing_contract import KafkaRecord
from minqing_contract.events.safety import InspectionRecorded

CST = timezone(timedelta(hours=8))
TOWNSHIP = "990102002000"


def inspection(enterprise_id: uuid.UUID, *, township: str = TOWNSHIP, at: datetime | None = None,
               findings: int = 0) -> InspectionRecorded:
    at = at or datetime.now(CST)
    return InspectionRecorded(
        township_code=township, occurred_at=at, enterprise_id=enterprise_id, industry="foundry",
        inspection_id=uuid.uuid4(), inspection_kind="routine", inspected_at=at, items_checked=3, findings=findings,
    )


#: Three kinds of poison a schema once let through (issue 12): each broke the reporting ingest.
POISONS: dict[str, dict[str, Any]] = {
    "nul": {"category": "livelihood\u0000"},  # PostgreSQL refuses NUL in text
    "far_future": {"occurred_at": "9999-12-31T23:00:00+00:00"},  # Beijing day in year 10000: OverflowError
    "overflow": {"headcount": 10**40},  # numeric sums exact to 6 places: decimal.InvalidOperation
}


def poisoned(record: KafkaRecord, changes: dict[str, Any]) -> KafkaRecord:
    """`record` with payload fields replaced in its raw bytes, as a buggy or hostile producer would send
    it (bypassing the producer-side validation); headers, key and topic unchanged."""
    value = json.loads(record.value)
    value.update(changes)
    return KafkaRecord(record.topic, record.key, json.dumps(value, ensure_ascii=False).encode(), record.headers)
