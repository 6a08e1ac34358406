"""Command handlers: load (FOR UPDATE) in the unit of work → domain → commit.

The kit's one signature, `(cmd, uow, actor, *, <deps bound in bootstrap>)`. `uow.commit()` saves what
the repository loaded or was given and writes the aggregates' new events to the outbox, in the order
the domain recorded them (nothing is published by hand). Every check happens before the commit, and
any failure leaves the unit of work uncommitted, so bad input changes no row and puts nothing in the
outbox. Scope: the actor must cover the township of whatever it touches (403 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID, uuid4

from minqing_contract.divisions import County
from minqing_kit import metrics
from minqing_kit.clock import Clock
from minqing_kit.errors import Conflict, InvalidInput
from minqing_kit.workdays import WorkdayCalendar
from services.safety.adapters.unit_of_work import SafetyUnitOfWork
from services.safety.domain._guards import parse_enum
from services.safety.domain.accident import report_accident as domain_report_accident
from services.safety.domain.campaign import FollowUpCampaign, ReinspectionResult, record_follow_up
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
from services.safety.service_layer.commands import (
    AccidentOutcome,
    Actor,
    FollowUpOutcome,
    InspectionOutcome,
    PenaltyOutcome,
)

__all__ = ["AccidentOutcome", "FollowUpOutcome", "InspectionOutcome", "PenaltyOutcome"]


def known_township(county: County, code: str, field: str = "township_code") -> str:
    if county.township(code) is None:
        raise InvalidInput(f"乡镇区划代码 {code} 不在本县 (unknown township of county {county.code})",
                           field=field, rule="known_township")
    return code


async def register_enterprise(c: cmd.RegisterEnterprise, uow: SafetyUnitOfWork, actor: Actor, *, clock: Clock,
                              county: County) -> UUID:
    known_township(county, c.township_code)
    actor.ensure_covers(c.township_code)
    now = clock()
    permit = SafetyPermit(c.permit.number, c.permit.valid_from, c.permit.valid_until) if c.permit else None
    ent = Enterprise.register(id=uuid4(), name=c.name, credit_code=c.credit_code, township_code=c.township_code,
                              industry=c.industry, size=c.size, permit=permit, actor=actor.name, now=now)
    async with uow:
        if await uow.safety.credit_code_taken(ent.credit_code):
            raise Conflict("该统一社会信用代码已登记 (credit code already registered)", field="credit_code",
                           rule="unique")
        uow.safety.add(ent, legal_rep_name=c.legal_representative, legal_rep_phone=c.legal_representative_phone)
        await uow.commit()
    return ent.id


async def record_inspection(c: cmd.RecordInspection, uow: SafetyUnitOfWork, actor: Actor, *,
                            clock: Clock) -> InspectionOutcome:
    findings = tuple(
        Finding(f.description, f.item,
                HazardSpec(parse_enum(HazardLevel, f.hazard.level, f"findings[{i}].hazard.level"),
                           f.hazard.requirement, f.hazard.deadline) if f.hazard else None)
        for i, f in enumerate(c.findings))
    async with uow:
        ent = await uow.safety.get_enterprise(c.enterprise_id)
        actor.ensure_covers(ent.township_code)
        insp = Inspection.record(id=uuid4(), enterprise=ent, kind=c.kind, inspectors=c.inspectors,
                                 inspected_at=c.inspected_at, results=c.results, findings=findings, now=clock())
        hazards: dict[int, Hazard] = {}
        for i, f in enumerate(insp.findings):
            if f.hazard is not None:
                hazards[i] = Hazard.find(id=uuid4(), enterprise=ent, level=f.hazard.level, description=f.description,
                                         requirement=f.hazard.requirement, deadline=f.hazard.deadline,
                                         actor=actor.name, now=insp.inspected_at, inspection_id=insp.id)
        uow.safety.add(insp, hazard_ids={i: h.id for i, h in hazards.items()}, actor=actor.name)
        for hz in hazards.values():
            uow.safety.add(hz)
        await uow.commit()
    return InspectionOutcome(insp.id, insp.passed, tuple(h.id for h in hazards.values()))


async def _hazard_action(uow: SafetyUnitOfWork, actor: Actor, hazard_id: UUID, clock: Clock,
                         act: Callable[[Hazard, datetime], None]) -> Hazard:
    async with uow:
        hz = await uow.safety.get_hazard(hazard_id)
        actor.ensure_covers(hz.township_code)
        act(hz, clock())
        await uow.commit()
    return hz


async def submit_plan(c: cmd.SubmitPlan, uow: SafetyUnitOfWork, actor: Actor, *, clock: Clock) -> Hazard:
    return await _hazard_action(uow, actor, c.hazard_id, clock, lambda hz, now: hz.submit_plan(
        RectificationPlan.from_parts(c.plan), actor=actor.name, now=now))


async def report_rectification(c: cmd.ReportRectification, uow: SafetyUnitOfWork, actor: Actor, *,
                               clock: Clock) -> Hazard:
    return await _hazard_action(uow, actor, c.hazard_id, clock, lambda hz, now: hz.report_rectification(
        c.evidence, actor=actor.name, now=now))


async def reinspect(c: cmd.Reinspect, uow: SafetyUnitOfWork, actor: Actor, *, clock: Clock) -> Hazard:
    return await _hazard_action(uow, actor, c.hazard_id, clock, lambda hz, now: hz.reinspect(
        c.passed, actor=actor.name, now=now, note=c.note))


async def impose_penalty(c: cmd.ImposePenalty, uow: SafetyUnitOfWork, actor: Actor, *, clock: Clock,
                         calendar: WorkdayCalendar) -> PenaltyOutcome:
    now = clock()
    async with uow:
        ent = await uow.safety.get_enterprise(c.enterprise_id)
        actor.ensure_covers(ent.township_code)
        hz = await uow.safety.get_hazard(c.hazard_id) if c.hazard_id is not None else None
        penalty = domain_impose_penalty(id=uuid4(), enterprise=ent, rule=c.article, amount_yuan=c.amount_yuan,
                                        decided_at=c.decided_at, actor=actor.name, now=now,
                                        calendar=calendar, hazard=hz)
        uow.safety.add(penalty, township_code=ent.township_code, actor=actor.name)
        proposed_before = ent.closure_proposed_at is not None
        check_closure(ent, [*await uow.safety.penalties_of(ent.id), penalty], now=now)
        await uow.commit()
    return PenaltyOutcome(penalty.id, penalty.publish_due_on.isoformat(),
                          not proposed_before and ent.closure_proposed_at is not None)


async def record_refusal(c: cmd.RecordRefusal, uow: SafetyUnitOfWork, actor: Actor, *, clock: Clock) -> Enterprise:
    async with uow:
        penalty = await uow.safety.get_penalty(c.penalty_id)
        ent = await uow.safety.get_enterprise(penalty.enterprise_id)
        actor.ensure_covers(ent.township_code)
        penalty.record_refusal(ent, actor=actor.name, now=clock())
        await uow.commit()
    return ent


async def mark_published(c: cmd.MarkPublished, uow: SafetyUnitOfWork, actor: Actor, *, clock: Clock) -> Penalty:
    """公示 recorded: the PenaltyPublished event (with its on-time flag) goes out with the row."""
    async with uow:
        penalty = await uow.safety.get_penalty(c.penalty_id)
        ent = await uow.safety.get_enterprise(penalty.enterprise_id, for_update=False)
        actor.ensure_covers(ent.township_code)
        penalty.mark_published(ent, now=clock())
        await uow.commit()
    return penalty


async def report_accident(c: cmd.ReportAccident, uow: SafetyUnitOfWork, actor: Actor, *,
                          clock: Clock) -> AccidentOutcome:
    async with uow:
        ent = await uow.safety.get_enterprise(c.enterprise_id)
        actor.ensure_covers(ent.township_code)
        acc = domain_report_accident(id=uuid4(), enterprise=ent, occurred_at=c.occurred_at,
                                     reported_at=c.reported_at, deaths=c.deaths,
                                     serious_injuries=c.serious_injuries, direct_loss_yuan=c.direct_loss_yuan,
                                     actor=actor.name, now=clock())
        uow.safety.add(acc, actor=actor.name)
        await uow.commit()
    metrics.ACCIDENTS_REPORTED.labels(township=acc.township_code, grade=acc.grade.value,
                                      fatal=str(acc.fatal).lower()).inc()
    return AccidentOutcome(acc.id, acc.grade.value, acc.late_report, ent.operating_status.value,
                           ent.permit.status.value if ent.permit else None)


async def resume_enterprise(c: cmd.ResumeEnterprise, uow: SafetyUnitOfWork, actor: Actor, *,
                            clock: Clock) -> Enterprise:
    async with uow:
        ent = await uow.safety.get_enterprise(c.enterprise_id)
        actor.ensure_covers(ent.township_code)
        ent.resume(await uow.safety.get_inspection(c.inspection_id), actor=actor.name, now=clock())
        await uow.commit()
    return ent


async def suspend_township_industry(c: cmd.TownshipSuspension, uow: SafetyUnitOfWork, actor: Actor, *,
                                    clock: Clock, county: County) -> list[UUID]:
    """乡镇停产自查令: every operating enterprise of the industry in the township stops, permits collected."""
    known_township(county, c.township_code)
    actor.ensure_covers(c.township_code)
    async with uow:
        candidates = await uow.safety.enterprises_for_order(c.township_code, c.industry)
        hit = suspend_for_self_inspection(candidates, township_code=c.township_code, industry=c.industry,
                                          actor=actor.name, now=clock())
        await uow.commit()
    return [e.id for e in hit]


async def record_follow_up_batch(c: cmd.RecordFollowUp, uow: SafetyUnitOfWork, actor: Actor, *, clock: Clock,
                                 county: County) -> FollowUpOutcome:
    """回头看 in bulk: all lines are checked first; one bad line refuses the whole batch."""
    known_township(county, c.township_code)
    actor.ensure_covers(c.township_code)
    campaign = FollowUpCampaign(uuid4(), c.township_code, c.start, c.end)
    async with uow:
        hazards = await uow.safety.open_hazards_found_before(c.township_code, campaign.end)
        for hz in hazards:  # a reinspection made in this campaign is stored with it
            uow.safety.note(hz, campaign_id=campaign.id)
        outcome = record_follow_up(
            campaign, hazards,
            [ReinspectionResult(r.hazard_id, r.passed, r.inspected_at, r.note) for r in c.results],
            actor=actor.name, now=clock())
        await uow.commit()
    return FollowUpOutcome(campaign.id, outcome.closed, outcome.failed)


async def notify_overdue(c: cmd.NotifyOverdue, uow: SafetyUnitOfWork, actor: Actor, *, clock: Clock,
                         overdue_batch: int) -> int:
    """One watcher pass: each hazard past its deadline gets one HazardOverdue, ever. The key row and
    the outbox row commit together; a key already present (another run, before a restart) means
    the event was sent and nothing is published."""
    at = clock()
    sent = 0
    async with uow:
        for hz in overdue_hazards(await uow.safety.overdue_candidates(at, overdue_batch), at):
            if not await uow.safety.claim_overdue(hz.id, at) or not hz.mark_overdue(at):
                continue
            sent += 1
        await uow.commit()
    if sent:
        metrics.DEADLINES_FIRED.labels(service="safety", kind="hazard_overdue").inc(sent)
    return sent
