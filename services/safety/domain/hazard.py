"""The hazard (隐患) aggregate: from the finding to 销号, with plan, reports, re-inspections, penalty.

Every action takes the actor and `now`, checks `hazard_rules.TRANSITIONS`, appends an audit entry
and records domain events. Inputs are checked before anything changes. A major hazard is under
listed supervision (挂牌督办) from the start and is not reported rectified without its six-part plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from minqing_kit.errors import BrokenInvariant, Conflict, IllegalTransition, InvalidInput

from . import events as ev
from ._guards import AuditEntry, not_before, parse_enum, require_actor, require_aware, require_text
from .enterprise import Enterprise
from .enums import HazardLevel, HazardStatus, Industry
from .hazard_rules import TRANSITIONS, allowed_actions, is_overdue
from .plan import RectificationPlan

H = HazardStatus


@dataclass(eq=False)
class Hazard:
    id: UUID
    enterprise_id: UUID
    township_code: str
    industry: Industry
    inspection_id: UUID | None
    level: HazardLevel
    description: str
    requirement: str
    deadline: datetime
    found_at: datetime
    status: HazardStatus = H.found
    plan: RectificationPlan | None = None
    plan_submitted_at: datetime | None = None
    reported_at: datetime | None = None  # latest rectification report
    evidence: tuple[str, ...] = ()  # notes of the latest report
    reinspected_at: datetime | None = None
    closed_at: datetime | None = None
    penalty_ids: list[UUID] = field(default_factory=list)
    overdue_notified_at: datetime | None = None
    audit: list[AuditEntry] = field(default_factory=list)
    events: list[ev.DomainEvent] = field(default_factory=list)

    # ----- creation ------------------------------------------------------------------------------
    @classmethod
    def find(
        cls,
        *,
        id: UUID,
        enterprise: Enterprise,
        level: HazardLevel | str,
        description: str,
        requirement: str,
        deadline: datetime,
        actor: str,
        now: datetime,
        inspection_id: UUID | None = None,
    ) -> Hazard:
        require_aware(now, "now")
        require_aware(deadline, "deadline")
        if deadline <= now:
            raise InvalidInput(
                "整改期限须晚于发现时间 (deadline must be after the hazard is found)",
                field="deadline",
                rule="deadline_after_found",
            )
        hz = cls(
            id=id,
            enterprise_id=enterprise.id,
            township_code=enterprise.township_code,
            industry=enterprise.industry,
            inspection_id=inspection_id,
            level=parse_enum(HazardLevel, level, "level"),
            description=require_text(description, "description", max_len=1000),
            requirement=require_text(requirement, "requirement", max_len=1000),
            deadline=deadline,
            found_at=now,
        )
        hz.audit.append(AuditEntry(now, require_actor(actor), "find", H.found, H.found))
        hz._record(ev.HazardFound, now, listed_supervision=hz.listed_supervision)
        return hz

    # ----- queries ------------------------------------------------------------------------------
    @property
    def listed_supervision(self) -> bool:
        """挂牌督办: every major hazard (安全生产法 §41, 16号令)."""
        return self.level is HazardLevel.major

    @property
    def is_open(self) -> bool:
        return self.status is not H.closed

    def allowed_actions(self) -> frozenset[str]:
        return allowed_actions(self.status)

    def is_overdue(self, at: datetime) -> bool:
        require_aware(at, "at")
        return is_overdue(self.status, self.deadline, self.reported_at, at)

    def can(self, action: str) -> bool:
        return self.status in TRANSITIONS[action]

    # ----- actions ------------------------------------------------------------------------------
    def submit_plan(self, plan: RectificationPlan, *, actor: str, now: datetime) -> None:
        self._begin("submit_plan", actor, now)
        if self.level is not HazardLevel.major:
            raise Conflict(
                "一般隐患无需治理方案 (only a major hazard takes a rectification plan)",
                field="level",
                rule="major_hazard_only",
            )
        self._move("submit_plan", self.status, actor, now)
        self.plan, self.plan_submitted_at = plan, now
        self._record(ev.RectificationPlanSubmitted, now, submitted_at=now)

    def report_rectification(self, evidence: list[str] | tuple[str, ...], *, actor: str, now: datetime) -> None:
        """The enterprise says it is fixed; evidence notes (photos are referenced, not stored here)."""
        self._begin("report_rectification", actor, now)
        notes = tuple(require_text(n, "evidence", max_len=1000) for n in evidence)
        if not notes:
            raise InvalidInput("整改报告须附佐证说明 (at least one evidence note)", field="evidence", rule="min_1")
        if self.level is HazardLevel.major and self.plan is None:
            raise Conflict(
                "重大隐患须先提交治理方案 (a major hazard needs its plan before a rectification report)",
                field="plan",
                rule="major_hazard_plan_required",
            )
        self._move("report_rectification", H.rectification_reported, actor, now)
        self.reported_at, self.evidence = now, notes
        self._record(ev.RectificationReported, now, reported_at=now)

    def reinspect(self, passed: bool, *, actor: str, now: datetime, note: str = "") -> None:
        """复查: passed closes the hazard (销号); failed opens the way to a penalty."""
        self.check_reinspect(passed, actor=actor, now=now)
        self.reinspected_at = now
        if passed:
            self._move("reinspect", H.closed, actor, now, note)
            self.closed_at = now
            done_by = self.reported_at if self.reported_at is not None else now
            self._record(ev.HazardRectified, now, rectified_at=now, on_time=done_by <= self.deadline)
        else:
            self._move("reinspect", H.reinspection_failed, actor, now, note)
            self._record(ev.ReinspectionFailed, now, reinspected_at=now)

    def check_reinspect(self, passed: bool, *, actor: str, now: datetime) -> None:
        """Everything `reinspect` would refuse, without changing anything (bulk 回头看 checks first)."""
        self._begin("reinspect", actor, now)
        if not isinstance(passed, bool):
            raise InvalidInput("复查结果须为是/否 (passed must be true/false)", field="passed", rule="bool")
        if not passed and self.status is H.found and now <= self.deadline:
            raise Conflict(
                "整改期限未到且未报整改，不能判定复查不合格 (cannot fail before the deadline without a report)",
                field="deadline",
                rule="deadline_not_reached",
            )

    def record_penalty(self, penalty_id: UUID, *, actor: str, now: datetime) -> None:
        """Called by `penalty.impose_penalty` once the decision is valid."""
        self._begin("penalise", actor, now)
        self._move("penalise", H.penalised, actor, now, f"penalty={penalty_id}")
        self.penalty_ids.append(penalty_id)

    def mark_overdue(self, at: datetime) -> bool:
        """Record HazardOverdue once per hazard; False when not overdue or already notified."""
        if not self.is_overdue(at) or self.overdue_notified_at is not None:
            return False
        self.overdue_notified_at = at
        self._record(ev.HazardOverdue, at)
        return True

    # ----- internals ----------------------------------------------------------------------------
    def _begin(self, action: str, actor: str, now: datetime) -> None:
        if self.status not in TRANSITIONS[action]:
            raise IllegalTransition("隐患 (hazard)", self.status.value, action, self.allowed_actions())
        require_actor(actor)
        require_aware(now, "now")
        not_before(now, self.audit[-1].at if self.audit else None)

    def _move(self, action: str, to: HazardStatus, actor: str, now: datetime, note: str = "") -> None:
        if to not in TRANSITIONS[action][self.status]:
            raise BrokenInvariant("隐患 (hazard)", "status", f"state_machine: {action} from {self.status.value} to {to.value}")
        self.audit.append(AuditEntry(now, actor.strip(), action, self.status, to, note))
        self.status = to

    def _record(self, event_type: type[ev.HazardEvent], now: datetime, **fields: Any) -> None:
        self.events.append(
            event_type(
                occurred_at=now,
                township_code=self.township_code,
                enterprise_id=self.enterprise_id,
                industry=self.industry,
                hazard_id=self.id,
                level=self.level,
                found_at=self.found_at,
                deadline=self.deadline,
                **fields,
            )
        )
