"""Volunteer service (志愿服务) integration events: stream `volunteer`, keyed by request id
(activities by activity id, teams by team id)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from minqing_contract.bounds import MAX_ITEMS, Count, Instant, Label, Minutes, PositiveCount
from minqing_contract.events.base import DivisionCode, EventPayload, Pseudonym


class Level(StrEnum):
    village = "village"  # 站
    township = "township"  # 所
    county = "county"  # 中心


class _Request(EventPayload):
    stream: ClassVar[str] = "volunteer"
    subject_field: ClassVar[str] = "request_id"

    request_id: UUID
    village_code: DivisionCode
    category: Label = Field(description="Specialty needed, e.g. ecology")
    submitted_at: Instant


class RequestSubmitted(_Request):
    event_type: ClassVar[str] = "volunteer.request_submitted"
    summary: ClassVar[str] = "A villager ordered help (点单)."
    urgency: str = Field(pattern="^(low|normal|high|urgent)$")
    requester: Pseudonym


class RequestApproved(_Request):
    event_type: ClassVar[str] = "volunteer.request_approved"
    summary: ClassVar[str] = "The station approved the request (审单)."
    approved_at: Instant


class RequestRejected(_Request):
    event_type: ClassVar[str] = "volunteer.request_rejected"
    summary: ClassVar[str] = "The station rejected the request with a reason."
    rejected_at: Instant


class RequestDispatched(_Request):
    event_type: ClassVar[str] = "volunteer.request_dispatched"
    summary: ClassVar[str] = "The request was dispatched to a team (派单)."
    team_id: UUID
    team_level: Level
    attempt: PositiveCount
    dispatched_at: Instant


class RequestAccepted(_Request):
    event_type: ClassVar[str] = "volunteer.request_accepted"
    summary: ClassVar[str] = "A team accepted (接单) or grabbed (抢单) the request."
    team_id: UUID
    team_level: Level
    grabbed: bool
    dispatched_at: Instant | None
    accepted_at: Instant


class RequestDeclined(_Request):
    event_type: ClassVar[str] = "volunteer.request_declined"
    summary: ClassVar[str] = "The dispatched team declined with a reason."
    team_id: UUID
    declined_at: Instant


class RequestEscalated(_Request):
    event_type: ClassVar[str] = "volunteer.request_escalated"
    summary: ClassVar[str] = "Not accepted in time: escalated to the next level up."
    from_level: Level
    to_level: Level
    escalated_at: Instant


class ManualDispatchNeeded(_Request):
    event_type: ClassVar[str] = "volunteer.manual_dispatch_needed"
    summary: ClassVar[str] = "No team can serve the request: flagged for manual dispatch."
    flagged_at: Instant


class ServiceStarted(_Request):
    event_type: ClassVar[str] = "volunteer.service_started"
    summary: ClassVar[str] = "The team started serving."
    team_id: UUID
    started_at: Instant


class ServiceCompleted(_Request):
    event_type: ClassVar[str] = "volunteer.service_completed"
    summary: ClassVar[str] = "Service completed with a close-out report."
    team_id: UUID
    dispatched_at: Instant | None
    accepted_at: Instant
    completed_at: Instant
    volunteers: PositiveCount
    total_minutes: Minutes


class RequestRated(_Request):
    event_type: ClassVar[str] = "volunteer.request_rated"
    summary: ClassVar[str] = "The requester rated the service (评单, 1–5 stars)."
    team_id: UUID
    stars: int = Field(ge=1, le=5)
    rated_at: Instant


class RequestCancelled(_Request):
    event_type: ClassVar[str] = "volunteer.request_cancelled"
    summary: ClassVar[str] = "An admin cancelled the request with a reason."
    cancelled_at: Instant


class TeamRegistered(EventPayload):
    stream: ClassVar[str] = "volunteer"
    subject_field: ClassVar[str] = "team_id"
    event_type: ClassVar[str] = "volunteer.team_registered"
    summary: ClassVar[str] = "A volunteer team joined the network."
    team_id: UUID
    level: Level
    division_code: DivisionCode
    specialties: list[Label] = Field(max_length=MAX_ITEMS)
    capacity: PositiveCount


class ActivityHeld(EventPayload):
    stream: ClassVar[str] = "volunteer"
    subject_field: ClassVar[str] = "activity_id"
    event_type: ClassVar[str] = "volunteer.activity_held"
    summary: ClassVar[str] = "An organised activity (义诊, 普法宣传 ...) was held."
    activity_id: UUID
    team_id: UUID
    activity_type: Label
    division_code: DivisionCode
    held_at: Instant
    person_times: Count = Field(description="人次")
    total_minutes: Minutes


class HoursRecorded(EventPayload):
    stream: ClassVar[str] = "volunteer"
    subject_field: ClassVar[str] = "volunteer_id"
    event_type: ClassVar[str] = "volunteer.hours_recorded"
    summary: ClassVar[str] = "Service hours were added to a volunteer's record."
    volunteer_id: UUID = Field(description="Opaque volunteer id (no personal data)")
    team_id: UUID | None = None
    source: str = Field(pattern="^(request|activity)$")
    source_id: UUID
    minutes: Annotated[Minutes, Field(ge=1)]
    served_at: Instant


EVENTS = (RequestSubmitted, RequestApproved, RequestRejected, RequestDispatched, RequestAccepted, RequestDeclined,
          RequestEscalated, ManualDispatchNeeded, ServiceStarted, ServiceCompleted, RequestRated, RequestCancelled,
          TeamRegistered, ActivityHeld, HoursRecorded)
UPCASTERS: dict[tuple[str, int], object] = {}
