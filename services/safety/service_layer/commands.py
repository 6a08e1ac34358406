"""Commands of the safety service: what a caller asks for, already parsed from JSON, not yet checked
against the rules (the domain does that)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID


@dataclass(frozen=True)
class PermitInput:
    number: str
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class RegisterEnterprise:
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
class RecordInspection:
    enterprise_id: UUID
    kind: str
    inspectors: tuple[str, ...]
    inspected_at: datetime
    results: Mapping[str, bool]
    findings: tuple[FindingInput, ...] = ()


@dataclass(frozen=True)
class SubmitPlan:
    hazard_id: UUID
    plan: Mapping[str, str]


@dataclass(frozen=True)
class ReportRectification:
    hazard_id: UUID
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Reinspect:
    hazard_id: UUID
    passed: bool
    note: str = ""


@dataclass(frozen=True)
class ImposePenalty:
    enterprise_id: UUID
    article: str
    amount_yuan: int
    decided_at: datetime
    hazard_id: UUID | None = None


@dataclass(frozen=True)
class RecordRefusal:
    penalty_id: UUID


@dataclass(frozen=True)
class MarkPublished:
    penalty_id: UUID


@dataclass(frozen=True)
class ReportAccident:
    enterprise_id: UUID
    occurred_at: datetime
    reported_at: datetime
    deaths: int
    serious_injuries: int
    direct_loss_yuan: int


@dataclass(frozen=True)
class ResumeEnterprise:
    enterprise_id: UUID
    inspection_id: UUID


@dataclass(frozen=True)
class TownshipSuspension:
    township_code: str
    industry: str


@dataclass(frozen=True)
class FollowUpLine:
    hazard_id: UUID
    passed: bool
    inspected_at: datetime
    note: str = ""


@dataclass(frozen=True)
class RecordFollowUp:
    township_code: str
    start: datetime
    end: datetime
    results: tuple[FollowUpLine, ...] = field(default=())


@dataclass(frozen=True)
class CloseInvestigation:
    accident_id: UUID
    conclusion: str
    nature: str


@dataclass(frozen=True)
class AcceptResumption:
    enterprise_id: UUID
    passed: bool
    checked_at: datetime
    inspectors: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class DecideClosure:
    enterprise_id: UUID
    approve: bool
    reason: str
