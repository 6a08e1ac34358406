"""Work-safety (安监) integration events: stream `safety`, keyed by enterprise id so that one
enterprise's inspections, hazards, penalties and accidents stay in order."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from minqing_contract.bounds import Count, Instant, Label, Yuan
from minqing_contract.events.base import EventPayload


class Industry(StrEnum):
    foundry = "foundry"  # 铸造
    open_pit_quarry = "open_pit_quarry"  # 露天矿山
    hazardous_chemicals = "hazardous_chemicals"  # 危险化学品
    fireworks = "fireworks"  # 烟花爆竹
    metallurgy = "metallurgy"  # 冶金
    construction = "construction"  # 建筑施工
    other = "other"  # 其他


class HazardLevel(StrEnum):
    general = "general"  # 一般隐患
    major = "major"  # 重大隐患


class AccidentGrade(StrEnum):
    ordinary = "ordinary"  # 一般事故
    larger = "larger"  # 较大事故
    major = "major"  # 重大事故
    especially_major = "especially_major"  # 特别重大事故


class PermitStatus(StrEnum):
    valid = "valid"
    suspended = "suspended"
    collected = "collected"
    revoked = "revoked"


class _Enterprise(EventPayload):
    stream: ClassVar[str] = "safety"
    subject_field: ClassVar[str] = "enterprise_id"

    enterprise_id: UUID
    industry: Industry


class EnterpriseRegistered(_Enterprise):
    event_type: ClassVar[str] = "safety.enterprise_registered"
    summary: ClassVar[str] = "An enterprise entered the register."
    size: Label
    permit_status: PermitStatus
    operating_status: str = Field(pattern="^(operating|suspended|closed)$")
    enterprise_name: Label | None = Field(
        default=None, description="The enterprise's registered name (单位名称): a company's public name, not personal "
                                  "data; lets a dashboard name the enterprise of an overdue hazard. Optional (added).")


class InspectionRecorded(_Enterprise):
    event_type: ClassVar[str] = "safety.inspection_recorded"
    summary: ClassVar[str] = "An inspection (routine, re-inspection or 回头看 follow-up) was recorded."
    inspection_id: UUID
    inspection_kind: str = Field(pattern="^(routine|re_inspection|follow_up)$")
    inspected_at: Instant
    items_checked: Count
    findings: Count


class _Hazard(_Enterprise):
    hazard_id: UUID
    level: HazardLevel
    found_at: Instant
    deadline: Instant


class HazardFound(_Hazard):
    event_type: ClassVar[str] = "safety.hazard_found"
    summary: ClassVar[str] = "A hazard was found; major hazards go under listed supervision (挂牌督办)."
    listed_supervision: bool


class RectificationPlanSubmitted(_Hazard):
    event_type: ClassVar[str] = "safety.rectification_plan_submitted"
    summary: ClassVar[str] = "The six-part rectification plan of a major hazard was submitted."
    submitted_at: Instant


class RectificationReported(_Hazard):
    event_type: ClassVar[str] = "safety.rectification_reported"
    summary: ClassVar[str] = "The enterprise reported the hazard rectified (awaiting re-inspection)."
    reported_at: Instant


class HazardRectified(_Hazard):
    event_type: ClassVar[str] = "safety.hazard_rectified"
    summary: ClassVar[str] = "Re-inspection passed: the hazard is closed (销号)."
    rectified_at: Instant
    on_time: bool


class ReinspectionFailed(_Hazard):
    event_type: ClassVar[str] = "safety.reinspection_failed"
    summary: ClassVar[str] = "Re-inspection found the hazard not removed."
    reinspected_at: Instant


class HazardOverdue(_Hazard):
    event_type: ClassVar[str] = "safety.hazard_overdue"
    summary: ClassVar[str] = "The rectification deadline passed with the hazard open (once per hazard)."


class PenaltyImposed(_Enterprise):
    event_type: ClassVar[str] = "safety.penalty_imposed"
    summary: ClassVar[str] = "An administrative penalty decision was made."
    penalty_id: UUID
    hazard_id: UUID | None = None
    hazard_level: HazardLevel | None = None
    article: Label = Field(description="Legal basis, e.g. 安全生产法第102条")
    target: str = Field(pattern="^(unit|responsible_person)$")
    amount_yuan: Yuan
    decided_at: Instant
    publish_due_at: Instant = Field(description="Publication deadline, 7 working days (§78)")


class ClosureProposed(_Enterprise):
    event_type: ClassVar[str] = "safety.closure_proposed"
    summary: ClassVar[str] = "§113: repeated major-hazard penalties raise a closure proposal."
    penalties_in_window: Count
    window_days: Count


class EnterpriseSuspended(_Enterprise):
    event_type: ClassVar[str] = "safety.enterprise_suspended"
    summary: ClassVar[str] = "Production suspended (停产停业整顿)."
    reason: str = Field(pattern="^(penalty_refusal|fatal_accident|township_order|major_hazard)$")
    suspended_at: Instant


class EnterpriseResumed(_Enterprise):
    event_type: ClassVar[str] = "safety.enterprise_resumed"
    summary: ClassVar[str] = "Production resumed after a passed re-inspection or county resumption acceptance (复产验收)."
    resumed_at: Instant
    suspended_at: Instant


class PermitStatusChanged(_Enterprise):
    event_type: ClassVar[str] = "safety.permit_status_changed"
    summary: ClassVar[str] = "The safety permit's status changed (collected, returned, revoked...)."
    from_status: PermitStatus
    to_status: PermitStatus


class AccidentReported(_Enterprise):
    event_type: ClassVar[str] = "safety.accident_reported"
    summary: ClassVar[str] = "A production-safety accident was reported and graded."
    accident_id: UUID
    accident_occurred_at: Instant
    reported_at: Instant
    deaths: Count
    serious_injuries: Count
    direct_loss_yuan: Yuan
    grade: AccidentGrade
    late_report: bool


# ----- added for issue 18 (resumption after a fatal accident, §113 decisions, publication) -----
class InvestigationNature(StrEnum):
    liability = "liability"  # 责任事故
    non_liability = "non_liability"  # 非责任事故


class AccidentInvestigationClosed(_Enterprise):
    event_type: ClassVar[str] = "safety.accident_investigation_closed"
    summary: ClassVar[str] = ("The accident investigation's report was recorded and the investigation closed (结案); "
                              "the conclusion text stays in the service.")
    accident_id: UUID
    grade: AccidentGrade
    nature: InvestigationNature
    closed_at: Instant
    days_from_occurrence: Count


class ResumptionAcceptanceRecorded(_Enterprise):
    event_type: ClassVar[str] = "safety.resumption_acceptance_recorded"
    summary: ClassVar[str] = ("A county resumption acceptance (复产验收) of a suspended enterprise was recorded; "
                              "a passed one is followed by safety.enterprise_resumed.")
    acceptance_id: UUID
    checked_at: Instant
    passed: bool


class ClosureDecided(_Enterprise):
    event_type: ClassVar[str] = "safety.closure_decided"
    summary: ClassVar[str] = ("The county government decided a §113 closure proposal; approved is followed by "
                              "safety.enterprise_closed and the permit's revocation.")
    approved: bool
    proposed_at: Instant
    decided_at: Instant


class EnterpriseClosed(_Enterprise):
    event_type: ClassVar[str] = "safety.enterprise_closed"
    summary: ClassVar[str] = "The enterprise was closed (关闭) by the county government's decision."
    closed_at: Instant
    basis: Label = Field(description="Legal basis, e.g. 安全生产法第113条")


class PenaltyPublished(_Enterprise):
    event_type: ClassVar[str] = "safety.penalty_published"
    summary: ClassVar[str] = "A penalty decision was published (公示); on_time against the §78 deadline."
    penalty_id: UUID
    published_at: Instant
    publish_due_at: Instant
    on_time: bool = Field(description="Published on or before the Beijing date of publish_due_at")


EVENTS = (EnterpriseRegistered, InspectionRecorded, HazardFound, RectificationPlanSubmitted, RectificationReported,
          HazardRectified, ReinspectionFailed, HazardOverdue, PenaltyImposed, ClosureProposed, EnterpriseSuspended,
          EnterpriseResumed, PermitStatusChanged, AccidentReported,
          AccidentInvestigationClosed, ResumptionAcceptanceRecorded, ClosureDecided, EnterpriseClosed,
          PenaltyPublished)
UPCASTERS: dict[tuple[str, int], object] = {}
