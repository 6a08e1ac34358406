"""Commands: what a caller asks the volunteer service to do (imperative, one handler each).

Each names its handler's result type (`Command[R]`); `service_layer/bus.py` maps each to its handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from uuid import UUID

from minqing_kit.actor import Actor
from minqing_kit.bus import Command
from services.volunteer.domain.activity import Activity
from services.volunteer.domain.network import ServicePoint, Station, Team
from services.volunteer.domain.request import Request

__all__ = ["SYSTEM", "Actor"]


SYSTEM = Actor.system("volunteer-worker")


@dataclass(frozen=True)
class RegisterStation(Command[Station]):
    level: str
    division_code: str
    name: str


@dataclass(frozen=True)
class RegisterServicePoint(Command[ServicePoint]):
    station_id: UUID
    name: str


@dataclass(frozen=True)
class RegisterTeam(Command[Team]):
    name: str
    home_station_id: UUID
    specialties: tuple[str, ...]
    capacity: int


@dataclass(frozen=True)
class Slot:
    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class RegisterVolunteer(Command[UUID]):
    name: str
    phone: str
    id_number: str
    township_code: str
    skills: tuple[str, ...] = ()
    available_time: tuple[Slot, ...] = ()
    team_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class SubmitRequest(Command[Request]):
    category: str
    village_code: str
    description: str
    urgency: str
    requester_name: str
    requester_phone: str
    preferred_start: datetime | None = None
    preferred_end: datetime | None = None


@dataclass(frozen=True)
class SpanInput:
    volunteer_id: UUID
    start: datetime
    end: datetime


@dataclass(frozen=True)
class RequestAction(Command[Request]):
    """approve / start / auto-dispatch / escalate: no arguments beyond the request."""

    request_id: UUID
    action: str


@dataclass(frozen=True)
class WithReason(Command[Request]):
    """reject / cancel / decline (team_id) / redispatch (optional team_id)."""

    request_id: UUID
    action: str
    reason: str
    team_id: UUID | None = None


@dataclass(frozen=True)
class TeamAction(Command[Request]):
    """dispatch (manual, team_id; None = automatic) / grab / accept."""

    request_id: UUID
    action: str
    team_id: UUID | None


@dataclass(frozen=True)
class CompleteService(Command[Request]):
    request_id: UUID
    spans: tuple[SpanInput, ...]


@dataclass(frozen=True)
class RateService(Command[Request]):
    request_id: UUID
    stars: int
    comment: str = ""


@dataclass(frozen=True)
class RecordActivity(Command[Activity]):
    activity_type: str
    title: str
    team_id: UUID
    place_code: str
    held_at: datetime
    organiser: str
    participants: tuple[SpanInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AddRecordEntry(Command[None]):
    volunteer_id: UUID
    kind: str  # training | award | evaluation
    at: datetime
    title: str
    recorded_by: str
    minutes: int | None = None


@dataclass(frozen=True)
class DispatchApproved(Command[Request | None]):
    """From the worker, on the approved event: dispatch automatically unless someone acted first."""

    request_id: UUID


@dataclass(frozen=True)
class Escalate(Command[Request | None]):
    """From the escalation timer: move one overdue dispatch a level up."""

    request_id: UUID
