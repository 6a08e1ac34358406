"""Handlers of the county's rulings at the edges of the safety rules: closing an accident
investigation, the 复产验收 that lets a unit stopped by a fatal accident resume, and the decision
on a §113 closure proposal. Same shape as `handlers`: load FOR UPDATE → domain → commit.

Each needs a county-level person: the domain refuses (403) when `by_county` is false, so a
township station cannot close an investigation, accept a resumption or close an enterprise.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from minqing_kit.clock import Clock
from services.safety.adapters.unit_of_work import SafetyUnitOfWork
from services.safety.domain.enterprise import Enterprise
from services.safety.domain.resumption import accept_resumption as domain_accept_resumption
from services.safety.service_layer import commands as cmd
from services.safety.service_layer.commands import AcceptanceOutcome, Actor

__all__ = ["AcceptanceOutcome"]


async def close_investigation(c: cmd.CloseInvestigation, uow: SafetyUnitOfWork, actor: Actor, *,
                              clock: Clock) -> UUID:
    async with uow:
        acc = await uow.safety.get_accident(c.accident_id)
        actor.ensure_covers(acc.township_code)
        uow.safety.note(acc, actor=actor.name)
        ent = await uow.safety.get_enterprise(acc.enterprise_id, for_update=False)
        acc.close_investigation(ent, conclusion=c.conclusion, nature=c.nature,
                                by_county=actor.signed_in().county_wide, actor=actor.name, now=clock())
        await uow.commit()
    return acc.enterprise_id


async def accept_resumption(c: cmd.AcceptResumption, uow: SafetyUnitOfWork, actor: Actor, *,
                            clock: Clock) -> AcceptanceOutcome:
    async with uow:
        ent = await uow.safety.get_enterprise(c.enterprise_id)
        actor.ensure_covers(ent.township_code)
        acc = domain_accept_resumption(id=uuid4(), enterprise=ent, accidents=await uow.safety.accidents_of(ent.id),
                                       passed=c.passed, checked_at=c.checked_at, inspectors=c.inspectors,
                                       note=c.note, by_county=actor.signed_in().county_wide, actor=actor.name,
                                       now=clock())
        uow.safety.add(acc, actor=actor.name)
        await uow.commit()
    return AcceptanceOutcome(acc.id, acc.passed, ent.operating_status.value,
                             ent.permit.status.value if ent.permit else None)


async def decide_closure(c: cmd.DecideClosure, uow: SafetyUnitOfWork, actor: Actor, *,
                         clock: Clock) -> Enterprise:
    async with uow:
        ent = await uow.safety.get_enterprise(c.enterprise_id)
        actor.ensure_covers(ent.township_code)
        ent.decide_closure(approve=c.approve, reason=c.reason, by_county=actor.signed_in().county_wide,
                           actor=actor.name, now=clock())
        await uow.commit()
    return ent
