"""Domain events of the petition service: past-tense facts recorded by the Matter aggregate.

They are not the contract: `adapters/contract_mapping.py` maps them to `minqing_contract` payloads.
No personal data: petitioners appear only as pseudonyms supplied by the caller; staff as user ids;
no free text (content, reasons, replies, notes), which may name people.
Every event carries the matter's place, classification, department, group size and registration
time, so a reporting consumer can compute on-time rates from any single event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from .categories import Category, Subcategory
from .enums import (
    Channel,
    DeadlineKind,
    Kind,
    ReviewLevel,
    ReviewOutcome,
    RoutingMode,
    Satisfaction,
)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class MatterEvent(DomainEvent):
    matter_id: UUID
    township_code: str
    village_code: str | None
    channel: Channel
    kind: Kind
    category: Category
    subcategory: Subcategory
    headcount: int
    is_group_visit: bool
    department: str | None
    registered_at: datetime


@dataclass(frozen=True, kw_only=True)
class MatterRegistered(MatterEvent):
    petitioners: tuple[str, ...]  # pseudonyms
    route_due_at: datetime


@dataclass(frozen=True, kw_only=True)
class RepeatLinked(MatterEvent):
    """A repeat of an open matter was recorded and linked to it instead of opening a case (§19)."""

    repeat_of: UUID
    petitioners: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MatterAssigned(MatterEvent):
    department: str
    mode: RoutingMode
    signed_by: str  # the leader's user id
    assigned_at: datetime
    route_due_at: datetime
    acceptance_notice_due_at: datetime
    objection_due_at: datetime


@dataclass(frozen=True, kw_only=True)
class MatterAccepted(MatterEvent):
    assigned_at: datetime
    accepted_at: datetime
    acceptance_notice_due_at: datetime
    reply_due_at: datetime


@dataclass(frozen=True, kw_only=True)
class MatterReturned(MatterEvent):
    """The department objected that the matter is outside its remit; `department` is the objector.

    The stated reason stays in the audit trail: free text may name people, events never do.
    """

    returned_at: datetime
    objection_due_at: datetime


@dataclass(frozen=True, kw_only=True)
class MatterExtended(MatterEvent):
    extension_days: int
    approved_by: str  # the approving head's user id; the reason stays in `Matter.extension`
    reply_due_at: datetime  # the new deadline


@dataclass(frozen=True, kw_only=True)
class MatterReplied(MatterEvent):
    accepted_at: datetime
    replied_at: datetime
    reply_due_at: datetime


@dataclass(frozen=True, kw_only=True)
class MatterRated(MatterEvent):
    satisfaction: Satisfaction
    rated_at: datetime


@dataclass(frozen=True, kw_only=True)
class MatterClosed(MatterEvent):
    closed_at: datetime


@dataclass(frozen=True, kw_only=True)
class ReviewRequested(MatterEvent):
    level: ReviewLevel
    requested_at: datetime
    decision_due_at: datetime


@dataclass(frozen=True, kw_only=True)
class ReviewDecided(MatterEvent):
    level: ReviewLevel
    outcome: ReviewOutcome
    requested_at: datetime
    decided_at: datetime
    decision_due_at: datetime
    final: bool  # after 复核 nothing more is accepted on the same facts


@dataclass(frozen=True, kw_only=True)
class DeadlineApproaching(MatterEvent):
    deadline: DeadlineKind
    due_at: datetime
    alert_key: str  # `clocks.DueAlert.key`: the idempotency key of this announcement


@dataclass(frozen=True, kw_only=True)
class DeadlineOverdue(MatterEvent):
    deadline: DeadlineKind
    due_at: datetime
    alert_key: str


@dataclass(frozen=True, kw_only=True)
class MatterSupervised(MatterEvent):
    supervisor: str  # user id
    overdue: tuple[DeadlineKind, ...]
    supervised_at: datetime


@dataclass(frozen=True, kw_only=True)
class DeadlineRecomputed(MatterEvent):
    """An open deadline moved because the county entered (or corrected) a year's holiday schedule."""

    deadline: DeadlineKind
    previous_due_at: datetime
    due_at: datetime
    provisional: bool  # still counted over another year the calendar does not know
