"""Penalty decisions (行政处罚决定): legal basis, amount within the article's range, publication.

Ranges from 安全生产法 (2021): §102 hazard not removed — unit up to 50,000, responsible persons
50,000–100,000 on refusal; §101(五) major hazard unreported/no system — up to 100,000, not fixed
100,000–200,000. "Up to" excludes 0: a decision of 0 yuan is not a fine. Decisions are published
within 7 working days (§78); publishing emits PenaltyPublished with its on-time flag. A unit
penalty tied to a hazard needs its re-inspection to have failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from uuid import UUID

from minqing_kit.errors import Conflict, IllegalTransition, InvalidInput
from minqing_kit.workdays import WorkdayCalendar

from . import events as ev
from ._guards import require_actor, require_aware, require_count
from .enterprise import Enterprise
from .enums import HazardLevel, OperatingStatus, PenaltyTarget, SuspensionReason
from .hazard import Hazard

#: China has one time zone and no DST; dates of decisions and deadlines are Beijing dates.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
PUBLISH_WITHIN_WORKDAYS = 7


@dataclass(frozen=True)
class PenaltyRule:
    code: str
    article: str
    target: PenaltyTarget
    min_yuan: int
    max_yuan: int
    needs_hazard: bool = False  # the decision is about a hazard that failed re-inspection
    major_hazard: bool = False  # the article itself is about a major hazard


RULES: Mapping[str, PenaltyRule] = {
    r.code: r
    for r in (
        PenaltyRule("art102_unit", "安全生产法第102条", PenaltyTarget.unit, 1, 50_000, needs_hazard=True),
        PenaltyRule("art102_person", "安全生产法第102条", PenaltyTarget.responsible_person, 50_000, 100_000),
        PenaltyRule("art101_5_unit", "安全生产法第101条第(五)项", PenaltyTarget.unit, 1, 100_000, major_hazard=True),
        PenaltyRule(
            "art101_5_unfixed", "安全生产法第101条第(五)项", PenaltyTarget.unit, 100_000, 200_000, major_hazard=True
        ),
    )
}


def china_date(at: datetime) -> date:
    return require_aware(at, "at").astimezone(CHINA_TZ).date()


def check_amount(rule: PenaltyRule, amount_yuan: int) -> int:
    require_count(amount_yuan, "amount_yuan")
    if not rule.min_yuan <= amount_yuan <= rule.max_yuan:
        raise InvalidInput(
            f"罚款金额须在 {rule.min_yuan}–{rule.max_yuan} 元之间（{rule.article}）"
            f" (amount must lie within {rule.min_yuan}..{rule.max_yuan} yuan for {rule.code})",
            field="amount_yuan",
            rule=f"range_{rule.min_yuan}_{rule.max_yuan}",
        )
    return amount_yuan


@dataclass(eq=False)
class Penalty:
    id: UUID
    enterprise_id: UUID
    rule: PenaltyRule
    amount_yuan: int
    decided_at: datetime
    publish_due_on: date
    hazard_id: UUID | None = None
    hazard_level: HazardLevel | None = None
    published_at: datetime | None = None
    refused_at: datetime | None = None
    events: list[ev.DomainEvent] = field(default_factory=list)

    @property
    def publish_due_at(self) -> datetime:
        """End of the 7th working day, Beijing time."""
        return datetime.combine(self.publish_due_on, time.max, CHINA_TZ)

    @property
    def counts_for_closure(self) -> bool:
        """§113 counts decisions against the unit for major hazards (a person's fine in the same
        case is not a second penalty of the unit)."""
        return self.rule.target is PenaltyTarget.unit and self.hazard_level is HazardLevel.major

    def publication_overdue(self, at: datetime) -> bool:
        return self.published_at is None and china_date(at) > self.publish_due_on

    def mark_published(self, enterprise: Enterprise, *, now: datetime) -> None:
        """公示 of the decision (§78): once, not before the decision; the event says whether it was
        published by the end of the 7th working day (Beijing date)."""
        require_aware(now, "now")
        if enterprise.id != self.enterprise_id:
            raise Conflict("处罚决定不属于该企业 (penalty of another enterprise)", field="enterprise_id",
                           rule="same_enterprise")
        if self.published_at is not None:
            raise Conflict("处罚决定已公开 (already published)", field="published_at", rule="once")
        if now < self.decided_at:
            raise InvalidInput("公开不能早于处罚决定 (published before the decision)", field="now",
                               rule="not_before_decision")
        self.published_at = now
        self.events.append(
            ev.PenaltyPublished(
                occurred_at=now,
                township_code=enterprise.township_code,
                enterprise_id=enterprise.id,
                industry=enterprise.industry,
                penalty_id=self.id,
                published_at=now,
                publish_due_at=self.publish_due_at,
                on_time=self.published_on_time,
            )
        )

    @property
    def published_on_time(self) -> bool:
        return self.published_at is not None and china_date(self.published_at) <= self.publish_due_on

    def record_refusal(self, enterprise: Enterprise, *, actor: str, now: datetime) -> None:
        """拒不执行: the enterprise refuses the order to remove the hazard → 停产停业整顿."""
        require_aware(now, "now")
        if enterprise.id != self.enterprise_id:
            raise Conflict("处罚决定不属于该企业 (penalty of another enterprise)", field="enterprise_id",
                           rule="same_enterprise")
        if self.refused_at is not None:
            raise Conflict("已记录拒不执行 (refusal already recorded)", field="refused_at", rule="once")
        if now < self.decided_at:
            raise InvalidInput("拒不执行不能早于处罚决定 (refusal before the decision)", field="now",
                               rule="not_before_decision")
        enterprise.suspend(SuspensionReason.penalty_refusal, actor=actor, now=now)
        self.refused_at = now


def impose_penalty(
    *,
    id: UUID,
    enterprise: Enterprise,
    rule: str,
    amount_yuan: int,
    decided_at: datetime,
    actor: str,
    now: datetime,
    calendar: WorkdayCalendar,
    hazard: Hazard | None = None,
    rules: Mapping[str, PenaltyRule] = RULES,
) -> Penalty:
    """Validate everything, then move the hazard (unit penalty) and record PenaltyImposed."""
    require_actor(actor)
    require_aware(now, "now")
    require_aware(decided_at, "decided_at")
    basis = rules.get(rule)
    if basis is None:
        raise InvalidInput(
            f"未知的处罚依据 {rule!r} (unknown legal basis; one of {', '.join(sorted(rules))})",
            field="article",
            rule="known_article",
        )
    check_amount(basis, amount_yuan)
    if decided_at > now:
        raise InvalidInput("决定日期不能在将来 (decided_at is in the future)", field="decided_at", rule="not_future")
    if enterprise.operating_status is OperatingStatus.closed:
        raise Conflict("企业已关闭 (the enterprise is closed)", field="enterprise_id", rule="enterprise_not_closed")
    if hazard is None and basis.needs_hazard:
        raise InvalidInput(
            f"{basis.article}的处罚须关联隐患 (this basis needs the hazard not removed)",
            field="hazard_id",
            rule="required",
        )
    moves_hazard = hazard is not None and basis.target is PenaltyTarget.unit
    if hazard is not None:
        if hazard.enterprise_id != enterprise.id:
            raise Conflict("隐患不属于该企业 (hazard of another enterprise)", field="hazard_id", rule="same_enterprise")
        if moves_hazard and not hazard.can("penalise"):
            raise IllegalTransition("隐患 (hazard)", hazard.status.value, "penalise", hazard.allowed_actions())
    level = hazard.level if hazard is not None else (HazardLevel.major if basis.major_hazard else None)
    penalty = Penalty(
        id=id,
        enterprise_id=enterprise.id,
        rule=basis,
        amount_yuan=amount_yuan,
        decided_at=decided_at,
        publish_due_on=calendar.add_workdays(china_date(decided_at), PUBLISH_WITHIN_WORKDAYS),
        hazard_id=hazard.id if hazard is not None else None,
        hazard_level=level,
    )
    if moves_hazard and hazard is not None:  # moves_hazard implies a hazard; said again for the type checker
        hazard.record_penalty(id, actor=actor, now=now)
    penalty.events.append(
        ev.PenaltyImposed(
            occurred_at=now,
            township_code=enterprise.township_code,
            enterprise_id=enterprise.id,
            industry=enterprise.industry,
            penalty_id=id,
            hazard_id=penalty.hazard_id,
            hazard_level=level,
            article=basis.article,
            target=basis.target,
            amount_yuan=amount_yuan,
            decided_at=decided_at,
            publish_due_at=penalty.publish_due_at,
        )
    )
    return penalty
