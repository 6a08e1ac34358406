"""Commands of the safety service: what a caller asks for, already parsed from JSON, not yet checked
against the rules (the domain does that). Each names its handler's result (`Command[R]`);
`service_layer/bus.py` maps each to its handler."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from minqing_kit.actor import Actor
from minqing_kit.bus import Command
from services.safety.domain.enterprise import Enterprise
from services.safety.domain.hazard import Hazard
from services.safety.domain.penalty import Penalty

__all__ = ["SYSTEM", "Actor"]

SYSTEM = Actor.system("safety-worker")


# ----- results of the commands that answer more than an aggregate -----------------------------------
@dataclass(frozen=True)
class InspectionOutcome:
    inspection_id: UUID
    passed: bool
    hazard_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class PenaltyOutcome:
    penalty_id: UUID
    publish_due_on: str
    closure_proposed: bool


@dataclass(frozen=True)
class AccidentOutcome:
    accident_id: UUID
    grade: str
    late_report: bool
    operating_status: str
    permit_status: str | None


@dataclass(frozen=True)
class FollowUpOutcome:
    campaign_id: UUID
    closed: tuple[UUID, ...]
    failed: tuple[UUID, ...]


@dataclass(frozen=True)
class AcceptanceOutcome:
    acceptance_id: UUID
    passed: bool
    operating_status: str
    permit_status: str | None


# ----- commands --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PermitInput:
    number: str
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class RegisterEnterprise(Command[UUID]):
    name: str
    credit_code: str
    township_code: str
    industry: str
    size: str
    permit: PermitInput | None = None
    legal_representative: str | None = None
    legal_representative_phone: str | None = None


@dataclass(frozen=True)
class HazardInput:
    level: str
    requirement: str
    deadline: datetime


@dataclass(frozen=True)
class FindingInput:
    description: str
    item: str | None = None
    hazard: HazardInput | None = None


@dataclass(frozen=True)
class RecordInspection(Command[InspectionOutcome]):
    enterprise_id: UUID
    kind: str
    inspectors: tuple[str, ...]
    inspected_at: datetime
    results: Mapping[str, bool]
    findings: tuple[FindingInput, ...] = ()


@dataclass(frozen=True)
class SubmitPlan(Command[Hazard]):
    hazard_id: UUID
    plan: Mapping[str, str]


@dataclass(frozen=True)
class ReportRectification(Command[Hazard]):
    hazard_id: UUID
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Reinspect(Command[Hazard]):
    hazard_id: UUID
    passed: bool
    note: str = ""


@dataclass(frozen=True)
class ImposePenalty(Command[PenaltyOutcome]):
    enterprise_id: UUID
    article: str
    amount_yuan: int
    decided_at: datetime
    hazard_id: UUID | None = None


@dataclass(frozen=True)
class RecordRefusal(Command[Enterprise]):
    penalty_id: UUID


@dataclass(frozen=True)
class MarkPublished(Command[Penalty]):
    penalty_id: UUID


@dataclass(frozen=True)
class ReportAccident(Command[AccidentOutcome]):
    enterprise_id: UUID
    occurred_at: datetime
    reported_at: datetime
    deaths: int
    serious_injuries: int
    direct_loss_yuan: int


@dataclass(frozen=True)
class ResumeEnterprise(Command[Enterprise]):
    enterprise_id: UUID
    inspection_id: UUID


@dataclass(frozen=True)
class TownshipSuspension(Command[list[UUID]]):
    township_code: str
    industry: str


@dataclass(frozen=True)
class FollowUpLine:
    hazard_id: UUID
    passed: bool
    inspected_at: datetime
    note: str = ""


@dataclass(frozen=True)
class RecordFollowUp(Command[FollowUpOutcome]):
    township_code: str
    start: datetime
    end: datetime
    results: tuple[FollowUpLine, ...] = field(default=())


@dataclass(frozen=True)
class CloseInvestigation(Command[UUID]):
    accident_id: UUID
    conclusion: str
    nature: str


@dataclass(frozen=True)
class AcceptResumption(Command[AcceptanceOutcome]):
    enterprise_id: UUID
    passed: bool
    checked_at: datetime
    inspectors: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class DecideClosure(Command[Enterprise]):
    enterprise_id: UUID
    approve: bool
    reason: str


@dataclass(frozen=True)
class NotifyOverdue(Command[int]):
    """The watcher's pass: one HazardOverdue per hazard past its deadline, ever. Returns how many."""
