"""Builders of valid contract payloads for tests (random ids so tests never collide)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

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
