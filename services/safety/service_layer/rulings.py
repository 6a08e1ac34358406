"""Handlers of the county's rulings at the edges of the safety rules: closing an accident
investigation, the 复产验收 that lets a unit stopped by a fatal accident resume, and the decision
on a §113 closure proposal. Same shape as `handlers`: load FOR UPDATE → domain → save → outbox → commit.

Each needs a county-level principal: the domain refuses (403) when `by_county` is false, so a
township station cannot close an investigation, accept a resumption or close an enterprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from minqing_kit.auth import Principal
from services.safety.domain.enterprise import Enterprise
from services.safety.domain.resumption import accept_resumption as domain_accept_resumption
from services.safety.service_layer import commands as cmd
from services.safety.service_layer.deps import Deps
from services.safety.service_layer.handlers import _publish, _repo


async def close_investigation(c: cmd.CloseInvestigation, deps: Deps, who: Principal) -> UUID:
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        acc = await repo.get_accident(c.accident_id)
        who.ensure_covers(acc.township_code)
        ent = await repo.get_enterprise(acc.enterprise_id, for_update=False)
        acc.close_investigation(ent, conclusion=c.conclusion, nature=c.nature, by_county=who.county_wide,
                                actor=who.subject, now=now)
        await repo.close_investigation(acc, actor=who.subject)
        _publish(uow, acc.events)
        await uow.commit()
    return acc.enterprise_id


@dataclass(frozen=True)
class AcceptanceOutcome:
    acceptance_id: UUID
    passed: bool
    operating_status: str
    permit_status: str | None


async def accept_resumption(c: cmd.AcceptResumption, deps: Deps, who: Principal) -> AcceptanceOutcome:
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        ent = await repo.get_enterprise(c.enterprise_id)
        who.ensure_covers(ent.township_code)
        acc = domain_accept_resumption(id=uuid4(), enterprise=ent, accidents=await repo.accidents_of(ent.id),
                                       passed=c.passed, checked_at=c.checked_at, inspectors=c.inspectors,
                                       note=c.note, by_county=who.county_wide, actor=who.subject, now=now)
        await repo.add_acceptance(acc, actor=who.subject, now=now)
        await repo.save_enterprise(ent, now=now)
        _publish(uow, acc.events, ent.events)
        await uow.commit()
    return AcceptanceOutcome(acc.id, acc.passed, ent.operating_status.value,
                             ent.permit.status.value if ent.permit else None)


async def decide_closure(c: cmd.DecideClosure, deps: Deps, who: Principal) -> Enterprise:
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        ent = await repo.get_enterprise(c.enterprise_id)
        who.ensure_covers(ent.township_code)
        ent.decide_closure(approve=c.approve, reason=c.reason, by_county=who.county_wide, actor=who.subject,
                           now=now)
        await repo.save_enterprise(ent, now=now)
        _publish(uow, ent.events)
        await uow.commit()
    return ent
