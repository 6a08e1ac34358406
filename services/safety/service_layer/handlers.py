"""Command handlers: load (FOR UPDATE) in a unit of work → domain → save → map → publish → commit.

Every check happens before the first write, and any failure leaves the unit of work uncommitted,
so bad input changes no row and puts nothing in the outbox. Scope: the principal must cover the
township of whatever it touches (403 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from minqing_kit import metrics
from minqing_kit.auth import Principal
from minqing_kit.errors import Conflict, InvalidInput
from minqing_kit.uow import UnitOfWork
from services.safety.adapters.contract_mapping import to_contract_all
from services.safety.adapters.repository import SafetyRepository
from services.safety.domain import events as ev
from services.safety.domain._guards import parse_enum
from services.safety.domain.accident import report_accident as domain_report_accident
from services.safety.domain.campaign import (
    FollowUpCampaign,
    ReinspectionResult,
    due_for_reinspection,
    record_follow_up,
)
from services.safety.domain.closure import check_closure
from services.safety.domain.enterprise import Enterprise, SafetyPermit, suspend_for_self_inspection
from services.safety.domain.enums import HazardLevel
from services.safety.domain.hazard import Hazard
from services.safety.domain.inspection import Finding, HazardSpec, Inspection
from services.safety.domain.overdue import overdue_hazards
from services.safety.domain.penalty import Penalty
from services.safety.domain.penalty import impose_penalty as domain_impose_penalty
from services.safety.domain.plan import RectificationPlan
from services.safety.service_layer import commands as cmd
from services.safety.service_layer.deps import Deps


def known_township(deps: Deps, code: str, field: str = "township_code") -> str:
    if deps.county.township(code) is None:
        raise InvalidInput(f"乡镇区划代码 {code} 不在本县 (unknown township of county {deps.county.code})",
                           field=field, rule="known_township")
    return code


def _publish(uow: UnitOfWork, *event_lists: list[ev.DomainEvent]) -> None:
    for events in event_lists:
        uow.publish(*to_contract_all(events))


def _repo(uow: UnitOfWork, deps: Deps) -> SafetyRepository:
    return SafetyRepository(uow.conn, deps.cipher)


async def register_enterprise(c: cmd.RegisterEnterprise, deps: Deps, who: Principal) -> UUID:
    known_township(deps, c.township_code)
    who.ensure_covers(c.township_code)
    now = deps.clock()
    permit = SafetyPermit(c.permit.number, c.permit.valid_from, c.permit.valid_until) if c.permit else None
    ent = Enterprise.register(id=uuid4(), name=c.name, credit_code=c.credit_code, township_code=c.township_code,
                              industry=c.industry, size=c.size, permit=permit, actor=who.subject, now=now)
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        if await repo.credit_code_taken(ent.credit_code):
            raise Conflict("该统一社会信用代码已登记 (credit code already registered)", field="credit_code",
                           rule="unique")
        await repo.add_enterprise(ent, legal_rep_name=c.legal_representative,
                                  legal_rep_phone=c.legal_representative_phone)
        _publish(uow, ent.events)
        await uow.commit()
    return ent.id


@dataclass(frozen=True)
class InspectionOutcome:
    inspection_id: UUID
    passed: bool
    hazard_ids: tuple[UUID, ...]


async def record_inspection(c: cmd.RecordInspection, deps: Deps, who: Principal) -> InspectionOutcome:
    now = deps.clock()
    findings = tuple(
        Finding(f.description, f.item,
                HazardSpec(parse_enum(HazardLevel, f.hazard.level, f"findings[{i}].hazard.level"),
                           f.hazard.requirement, f.hazard.deadline) if f.hazard else None)
        for i, f in enumerate(c.findings))
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        ent = await repo.get_enterprise(c.enterprise_id)
        who.ensure_covers(ent.township_code)
        insp = Inspection.record(id=uuid4(), enterprise=ent, kind=c.kind, inspectors=c.inspectors,
                                 inspected_at=c.inspected_at, results=c.results, findings=findings, now=now)
        hazards: dict[int, Hazard] = {}
        for i, f in enumerate(insp.findings):
            if f.hazard is not None:
                hazards[i] = Hazard.find(id=uuid4(), enterprise=ent, level=f.hazard.level, description=f.description,
                                         requirement=f.hazard.requirement, deadline=f.hazard.deadline,
                                         actor=who.subject, now=insp.inspected_at, inspection_id=insp.id)
        await repo.add_inspection(insp, {i: h.id for i, h in hazards.items()}, actor=who.subject, now=now)
        for hz in hazards.values():
            await repo.add_hazard(hz)
        _publish(uow, insp.events, *(h.events for h in hazards.values()))
        await uow.commit()
    return InspectionOutcome(insp.id, insp.passed, tuple(h.id for h in hazards.values()))


async def _hazard_action(deps: Deps, who: Principal, hazard_id: UUID,
                         act: Callable[[Hazard, datetime], None]) -> Hazard:
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        hz = await repo.get_hazard(hazard_id)
        who.ensure_covers(hz.township_code)
        act(hz, now)
        await repo.save_hazard(hz, now=now)
        _publish(uow, hz.events)
        await uow.commit()
    return hz


async def submit_plan(c: cmd.SubmitPlan, deps: Deps, who: Principal) -> Hazard:
    return await _hazard_action(deps, who, c.hazard_id, lambda hz, now: hz.submit_plan(
        RectificationPlan.from_parts(c.plan), actor=who.subject, now=now))


async def report_rectification(c: cmd.ReportRectification, deps: Deps, who: Principal) -> Hazard:
    return await _hazard_action(deps, who, c.hazard_id, lambda hz, now: hz.report_rectification(
        c.evidence, actor=who.subject, now=now))


async def reinspect(c: cmd.Reinspect, deps: Deps, who: Principal) -> Hazard:
    return await _hazard_action(deps, who, c.hazard_id, lambda hz, now: hz.reinspect(
        c.passed, actor=who.subject, now=now, note=c.note))


@dataclass(frozen=True)
class PenaltyOutcome:
    penalty_id: UUID
    publish_due_on: str
    closure_proposed: bool


async def impose_penalty(c: cmd.ImposePenalty, deps: Deps, who: Principal) -> PenaltyOutcome:
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        ent = await repo.get_enterprise(c.enterprise_id)
        who.ensure_covers(ent.township_code)
        hz = await repo.get_hazard(c.hazard_id) if c.hazard_id is not None else None
        penalty = domain_impose_penalty(id=uuid4(), enterprise=ent, rule=c.article, amount_yuan=c.amount_yuan,
                                        decided_at=c.decided_at, actor=who.subject, now=now,
                                        calendar=deps.calendar, hazard=hz)
        proposed_before = ent.closure_proposed_at is not None
        check_closure(ent, [*await repo.penalties_of(ent.id), penalty], now=now)
        await repo.add_penalty(penalty, township_code=ent.township_code, actor=who.subject)
        if hz is not None:
            await repo.save_hazard(hz, now=now)
        await repo.save_enterprise(ent, now=now)
        _publish(uow, penalty.events, ent.events)
        await uow.commit()
    return PenaltyOutcome(penalty.id, penalty.publish_due_on.isoformat(),
                          not proposed_before and ent.closure_proposed_at is not None)


async def record_refusal(c: cmd.RecordRefusal, deps: Deps, who: Principal) -> Enterprise:
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        penalty = await repo.get_penalty(c.penalty_id)
        ent = await repo.get_enterprise(penalty.enterprise_id)
        who.ensure_covers(ent.township_code)
        penalty.record_refusal(ent, actor=who.subject, now=now)
        await repo.save_penalty(penalty)
        await repo.save_enterprise(ent, now=now)
        _publish(uow, ent.events)
        await uow.commit()
    return ent


async def mark_published(c: cmd.MarkPublished, deps: Deps, who: Principal) -> Penalty:
    """公示 recorded: the PenaltyPublished event (with its on-time flag) goes out with the row."""
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        penalty = await repo.get_penalty(c.penalty_id)
        ent = await repo.get_enterprise(penalty.enterprise_id, for_update=False)
        who.ensure_covers(ent.township_code)
        penalty.mark_published(ent, now=now)
        await repo.save_penalty(penalty)
        _publish(uow, penalty.events)
        await uow.commit()
    return penalty


@dataclass(frozen=True)
class AccidentOutcome:
    accident_id: UUID
    grade: str
    late_report: bool
    operating_status: str
    permit_status: str | None


async def report_accident(c: cmd.ReportAccident, deps: Deps, who: Principal) -> AccidentOutcome:
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        ent = await repo.get_enterprise(c.enterprise_id)
        who.ensure_covers(ent.township_code)
        acc = domain_report_accident(id=uuid4(), enterprise=ent, occurred_at=c.occurred_at,
                                     reported_at=c.reported_at, deaths=c.deaths,
                                     serious_injuries=c.serious_injuries, direct_loss_yuan=c.direct_loss_yuan,
                                     actor=who.subject, now=now)
        await repo.add_accident(acc, actor=who.subject)
        await repo.save_enterprise(ent, now=now)
        _publish(uow, acc.events, ent.events)
        await uow.commit()
    metrics.ACCIDENTS_REPORTED.labels(township=acc.township_code, grade=acc.grade.value,
                                      fatal=str(acc.fatal).lower()).inc()
    return AccidentOutcome(acc.id, acc.grade.value, acc.late_report, ent.operating_status.value,
                           ent.permit.status.value if ent.permit else None)


async def resume_enterprise(c: cmd.ResumeEnterprise, deps: Deps, who: Principal) -> Enterprise:
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        ent = await repo.get_enterprise(c.enterprise_id)
        who.ensure_covers(ent.township_code)
        ent.resume(await repo.get_inspection(c.inspection_id), actor=who.subject, now=now)
        await repo.save_enterprise(ent, now=now)
        _publish(uow, ent.events)
        await uow.commit()
    return ent


async def suspend_township_industry(c: cmd.TownshipSuspension, deps: Deps, who: Principal) -> list[UUID]:
    """乡镇停产自查令: every operating enterprise of the industry in the township stops, permits collected."""
    known_township(deps, c.township_code)
    who.ensure_covers(c.township_code)
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        candidates = await repo.enterprises_for_order(c.township_code, c.industry)
        hit = suspend_for_self_inspection(candidates, township_code=c.township_code, industry=c.industry,
                                          actor=who.subject, now=now)
        for ent in hit:
            await repo.save_enterprise(ent, now=now)
        _publish(uow, *(e.events for e in hit))
        await uow.commit()
    return [e.id for e in hit]


async def due_for_follow_up(township_code: str, start: datetime, end: datetime, deps: Deps,
                            who: Principal) -> list[Hazard]:
    known_township(deps, township_code)
    who.ensure_covers(township_code)
    campaign = FollowUpCampaign(uuid4(), township_code, start, end)
    async with deps.uow() as uow:
        hazards = await _repo(uow, deps).hazards_where(
            "township_code = $1 AND status <> 'closed' AND found_at < $2", township_code, campaign.end, lock="")
    return due_for_reinspection(hazards, campaign)


@dataclass(frozen=True)
class FollowUpOutcome:
    campaign_id: UUID
    closed: tuple[UUID, ...]
    failed: tuple[UUID, ...]


async def record_follow_up_batch(c: cmd.RecordFollowUp, deps: Deps, who: Principal) -> FollowUpOutcome:
    """回头看 in bulk: all lines are checked first; one bad line refuses the whole batch."""
    known_township(deps, c.township_code)
    who.ensure_covers(c.township_code)
    campaign = FollowUpCampaign(uuid4(), c.township_code, c.start, c.end)
    now = deps.clock()
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        hazards = await repo.hazards_where(
            "township_code = $1 AND status <> 'closed' AND found_at < $2", c.township_code, campaign.end)
        outcome = record_follow_up(
            campaign, hazards,
            [ReinspectionResult(r.hazard_id, r.passed, r.inspected_at, r.note) for r in c.results],
            actor=who.subject, now=now)
        touched = [h for h in hazards if h.events]
        for hz in touched:
            await repo.save_hazard(hz, now=now, campaign_id=campaign.id)
        _publish(uow, *(h.events for h in touched))
        await uow.commit()
    return FollowUpOutcome(campaign.id, outcome.closed, outcome.failed)


async def notify_overdue(deps: Deps) -> int:
    """One watcher pass: each hazard past its deadline gets one HazardOverdue, ever. The key row and
    the outbox row commit together; a key already present (another run, before a restart) means
    the event was sent and nothing is published."""
    at = deps.clock()
    sent = 0
    async with deps.uow() as uow:
        repo = _repo(uow, deps)
        for hz in overdue_hazards(await repo.overdue_candidates(at, deps.overdue_batch), at):
            if not await repo.claim_overdue(hz.id, at) or not hz.mark_overdue(at):
                continue
            await repo.save_hazard(hz, now=at)
            _publish(uow, hz.events)
            sent += 1
        await uow.commit()
    if sent:
        metrics.DEADLINES_FIRED.labels(service="safety", kind="hazard_overdue").inc(sent)
    return sent
