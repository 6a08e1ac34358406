"""Domain events of the safety service: past-tense facts recorded by the aggregates.

They are not the contract: the adapters map each to the `minqing_contract.events.safety` payload of
the same name (field names match). No personal data: no enterprise name, credit code, inspector or
responsible person — only ids, codes, counts and times, which is all reporting needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from .enums import (
    AccidentGrade,
    EnterpriseSize,
    HazardLevel,
    Industry,
    InspectionKind,
    InvestigationNature,
    OperatingStatus,
    PenaltyTarget,
    PermitStatus,
    SuspensionReason,
)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: datetime
    township_code: str
    enterprise_id: UUID
    industry: Industry


@dataclass(frozen=True, kw_only=True)
class EnterpriseRegistered(DomainEvent):
    size: EnterpriseSize
    permit_status: PermitStatus
    operating_status: OperatingStatus
    enterprise_name: str | None = None  # the registered name (a company's public name, not personal data)


@dataclass(frozen=True, kw_only=True)
class InspectionRecorded(DomainEvent):
    inspection_id: UUID
    inspection_kind: InspectionKind
    inspected_at: datetime
    items_checked: int
    findings: int


@dataclass(frozen=True, kw_only=True)
class HazardEvent(DomainEvent):
    hazard_id: UUID
    level: HazardLevel
    found_at: datetime
    deadline: datetime


@dataclass(frozen=True, kw_only=True)
class HazardFound(HazardEvent):
    listed_supervision: bool  # 挂牌督办, every major hazard


@dataclass(frozen=True, kw_only=True)
class RectificationPlanSubmitted(HazardEvent):
    submitted_at: datetime


@dataclass(frozen=True, kw_only=True)
class RectificationReported(HazardEvent):
    reported_at: datetime


@dataclass(frozen=True, kw_only=True)
class HazardRectified(HazardEvent):
    rectified_at: datetime
    on_time: bool


@dataclass(frozen=True, kw_only=True)
class ReinspectionFailed(HazardEvent):
    reinspected_at: datetime


@dataclass(frozen=True, kw_only=True)
class HazardOverdue(HazardEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class PenaltyImposed(DomainEvent):
    penalty_id: UUID
    hazard_id: UUID | None
    hazard_level: HazardLevel | None
    article: str
    target: PenaltyTarget
    amount_yuan: int
    decided_at: datetime
    publish_due_at: datetime


@dataclass(frozen=True, kw_only=True)
class ClosureProposed(DomainEvent):
    penalties_in_window: int
    window_days: int


@dataclass(frozen=True, kw_only=True)
class EnterpriseSuspended(DomainEvent):
    reason: SuspensionReason
    suspended_at: datetime


@dataclass(frozen=True, kw_only=True)
class EnterpriseResumed(DomainEvent):
    resumed_at: datetime
    suspended_at: datetime


@dataclass(frozen=True, kw_only=True)
class PermitStatusChanged(DomainEvent):
    from_status: PermitStatus
    to_status: PermitStatus


@dataclass(frozen=True, kw_only=True)
class AccidentReported(DomainEvent):
    accident_id: UUID
    accident_occurred_at: datetime
    reported_at: datetime
    deaths: int
    serious_injuries: int
    direct_loss_yuan: int
    grade: AccidentGrade
    late_report: bool


@dataclass(frozen=True, kw_only=True)
class AccidentInvestigationClosed(DomainEvent):
    accident_id: UUID
    grade: AccidentGrade
    nature: InvestigationNature
    closed_at: datetime
    days_from_occurrence: int


@dataclass(frozen=True, kw_only=True)
class ResumptionAcceptanceRecorded(DomainEvent):
    acceptance_id: UUID
    checked_at: datetime
    passed: bool


@dataclass(frozen=True, kw_only=True)
class ClosureDecided(DomainEvent):
    approved: bool
    proposed_at: datetime
    decided_at: datetime


@dataclass(frozen=True, kw_only=True)
class EnterpriseClosed(DomainEvent):
    closed_at: datetime
    basis: str


@dataclass(frozen=True, kw_only=True)
class PenaltyPublished(DomainEvent):
    penalty_id: UUID
    published_at: datetime
    publish_due_at: datetime
    on_time: bool
