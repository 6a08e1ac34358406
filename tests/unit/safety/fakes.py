"""In-memory safety unit of work for handler tests: the kit's fakes with the safety repository."""

from __future__ import annotations

import copy
from collections.abc import Hashable
from datetime import datetime
from typing import Any
from uuid import UUID

from minqing_kit.errors import NotFound
from minqing_kit.fakes import FakeUnitOfWork
from minqing_kit.uow import Tracked
from services.safety.adapters.contract_mapping import MAPPING
from services.safety.adapters.repository import SafetyRepository
from services.safety.adapters.unit_of_work import SafetyUnitOfWork
from services.safety.domain.accident import Accident
from services.safety.domain.enterprise import Enterprise
from services.safety.domain.hazard import Hazard
from services.safety.domain.inspection import Inspection
from services.safety.domain.penalty import Penalty
from services.safety.domain.resumption import ResumptionAcceptance

#: What the PostgreSQL repository would run for a saved aggregate: (type, new) → the method's name.
_SAVE = {(Enterprise, True): "add_enterprise", (Enterprise, False): "save_enterprise",
         (Inspection, True): "add_inspection", (Hazard, True): "add_hazard", (Hazard, False): "save_hazard",
         (Penalty, True): "add_penalty", (Penalty, False): "save_penalty", (Accident, True): "add_accident",
         (Accident, False): "close_investigation", (ResumptionAcceptance, True): "add_acceptance"}


class FakeSafetyRepository(SafetyRepository):
    """Aggregates by id, stored as copies (changed only by a commit); `saved` lists the writes in order."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[Hashable, Any] = {}
        self.extra: dict[Hashable, dict[str, Any]] = {}
        self.saved: list[str] = []
        self.overdue_keys: set[UUID] = set()

    def put(self, *aggregates: Any) -> None:
        for agg in aggregates:
            stored = copy.deepcopy(agg)
            stored.events = []
            self.rows[agg.id] = stored

    def _get(self, kind: type, key: UUID, what: str, field: str, *, track: bool = True) -> Any:
        agg = self.rows.get(key)
        if not isinstance(agg, kind):
            raise NotFound(f"{what} {key} not found", field=field, rule="exists")
        return self._loaded(copy.deepcopy(agg)) if track else copy.deepcopy(agg)

    def _all(self, kind: type) -> list[Any]:
        return [a for a in self.rows.values() if isinstance(a, kind)]

    async def save(self, tracked: Tracked[Any]) -> None:
        agg = tracked.aggregate
        self.saved.append(_SAVE[(type(agg), tracked.new)])
        self.put(agg)
        self.extra.setdefault(agg.id, {}).update(tracked.extra)

    async def credit_code_taken(self, credit_code: str) -> bool:
        return any(e.credit_code == credit_code for e in self._all(Enterprise))

    async def get_enterprise(self, enterprise_id: UUID, *, for_update: bool = True) -> Enterprise:
        ent: Enterprise = self._get(Enterprise, enterprise_id, "enterprise", "enterprise_id")
        return ent

    async def enterprises_for_order(self, township_code: str, industry: str) -> list[Enterprise]:
        hits = [e for e in self._all(Enterprise) if e.township_code == township_code
                and e.industry.value == industry and e.operating_status.value == "operating"]
        return [self._loaded(copy.deepcopy(e)) for e in sorted(hits, key=lambda e: e.id)]

    async def get_inspection(self, inspection_id: UUID) -> Inspection:
        insp: Inspection = self._get(Inspection, inspection_id, "inspection", "inspection_id", track=False)
        return insp

    async def get_hazard(self, hazard_id: UUID, *, for_update: bool = True) -> Hazard:
        hz: Hazard = self._get(Hazard, hazard_id, "hazard", "hazard_id")
        return hz

    async def open_hazards_found_before(self, township_code: str, before: datetime, *,
                                        for_update: bool = True) -> list[Hazard]:
        hits = sorted((h for h in self._all(Hazard) if h.township_code == township_code
                       and h.status.value != "closed" and h.found_at < before), key=lambda h: (h.deadline, h.id))
        copies = [copy.deepcopy(h) for h in hits]
        return [self._loaded(h) for h in copies] if for_update else copies

    async def overdue_candidates(self, at: datetime, limit: int = 500) -> list[Hazard]:
        hits = sorted((h for h in self._all(Hazard) if h.status.value != "closed" and h.overdue_notified_at is None
                       and h.deadline < at and h.id not in self.overdue_keys), key=lambda h: (h.deadline, h.id))
        return [self._loaded(copy.deepcopy(h)) for h in hits[:limit]]

    async def claim_overdue(self, hazard_id: UUID, at: datetime) -> bool:
        if hazard_id in self.overdue_keys:
            return False
        self.overdue_keys.add(hazard_id)
        return True

    async def get_penalty(self, penalty_id: UUID, *, for_update: bool = True) -> Penalty:
        p: Penalty = self._get(Penalty, penalty_id, "penalty", "penalty_id")
        return p

    async def penalties_of(self, enterprise_id: UUID) -> list[Penalty]:
        return sorted((copy.deepcopy(p) for p in self._all(Penalty) if p.enterprise_id == enterprise_id),
                      key=lambda p: p.decided_at)

    async def get_accident(self, accident_id: UUID, *, for_update: bool = True) -> Accident:
        acc: Accident = self._get(Accident, accident_id, "accident", "accident_id")
        return acc

    async def accidents_of(self, enterprise_id: UUID) -> list[Accident]:
        return [copy.deepcopy(a) for a in self._all(Accident) if a.enterprise_id == enterprise_id]


class FakeSafetyUnitOfWork(FakeUnitOfWork, SafetyUnitOfWork):
    """One instance serves a whole test: its repository is the 'database' between units of work."""

    def __init__(self) -> None:
        super().__init__(MAPPING)
        self.safety = FakeSafetyRepository()

    def types(self) -> list[str]:
        return [p.payload.event_type for p in self.published]
