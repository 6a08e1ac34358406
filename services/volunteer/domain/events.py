"""Domain events of the volunteer service: past-tense facts recorded by aggregates.

They are not the contract: `adapters/contract_mapping.py` maps them to `minqing_contract` payloads.
No personal data: a requester appears only as a pseudonym, a volunteer only as an opaque id.
Every request event carries the request's place, category and the milestones reporting measures
(submitted → first dispatched → accepted → completed), so a consumer needs no other event to time it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from .enums import ActivityType, HoursSource, Level, RequestStatus, Specialty, Urgency


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class RequestEvent(DomainEvent):
    request_id: UUID
    township_code: str
    village_code: str
    category: Specialty
    submitted_at: datetime
    dispatched_at: datetime | None = None  # first dispatch
    accepted_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class RequestSubmitted(RequestEvent):
    urgency: Urgency
    requester: str  # pseudonym


@dataclass(frozen=True, kw_only=True)
class RequestApproved(RequestEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class RequestRejected(RequestEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class RequestDispatched(RequestEvent):
    team_id: UUID
    team_level: Level
    attempt: int  # 1 for the first dispatch, +1 for every re-dispatch or escalation


@dataclass(frozen=True, kw_only=True)
class RequestAccepted(RequestEvent):
    team_id: UUID
    team_level: Level
    grabbed: bool  # 抢单 rather than 接单 of a dispatched request


@dataclass(frozen=True, kw_only=True)
class RequestDeclined(RequestEvent):
    team_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class RequestEscalated(RequestEvent):
    from_team_id: UUID
    from_level: Level
    to_level: Level


@dataclass(frozen=True, kw_only=True)
class ManualDispatchNeeded(RequestEvent):
    reason: str  # "no_team" | "escalation_exhausted"


@dataclass(frozen=True, kw_only=True)
class RequestRedispatched(RequestEvent):
    """An admin took the request away from a team (the new dispatch, if any, follows as RequestDispatched)."""

    from_team_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class ServiceStarted(RequestEvent):
    team_id: UUID


@dataclass(frozen=True, kw_only=True)
class ServiceCompleted(RequestEvent):
    team_id: UUID
    volunteers: int
    total_minutes: int


@dataclass(frozen=True, kw_only=True)
class RequestRated(RequestEvent):
    team_id: UUID
    stars: int


@dataclass(frozen=True, kw_only=True)
class RequestCancelled(RequestEvent):
    from_status: RequestStatus
    reason: str


@dataclass(frozen=True, kw_only=True)
class ActivityHeld(DomainEvent):
    activity_id: UUID
    team_id: UUID
    activity_type: ActivityType
    division_code: str
    township_code: str
    held_at: datetime
    person_times: int  # 人次
    total_minutes: int


@dataclass(frozen=True, kw_only=True)
class HoursRecorded(DomainEvent):
    volunteer_id: UUID
    team_id: UUID | None
    source: HoursSource
    source_id: UUID
    township_code: str
    minutes: int
    served_at: datetime  # start of the volunteer's first span in this source
    recorded_by: str  # the organisation that records, and therefore certifies, the hours


@dataclass(frozen=True, kw_only=True)
class TeamRegistered(DomainEvent):
    """Plain data entry (teams are not an aggregate): recorded on the unit of work by the handler."""

    team_id: UUID
    level: Level
    division_code: str
    specialties: tuple[Specialty, ...]  # sorted by value
    capacity: int
    township_code: str
