"""Commands: what a caller asks the volunteer service to do (imperative, one handler each)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from uuid import UUID

from minqing_kit.auth import Principal
from minqing_kit.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in operator (with a township scope) or the service itself (worker)."""

    name: str
    principal: Principal | None = None

    def ensure_covers(self, division_code: str) -> None:
        if self.principal is not None:
            if division_code.endswith("000000") and not self.principal.county_wide:
                raise Forbidden(f"县级数据仅限县级账号 (county-level {division_code} is outside your scope)",
                                field="township", rule="scope")
            self.principal.ensure_covers(division_code)

    def list_scope(self, township: str | None) -> str | None:
        """`Principal.list_scope`, with this actor's own check of an asked-for township."""
        if self.principal is None:
            raise RuntimeError("listings are read by signed-in operators, not by the system actor")
        if township is not None:
            self.ensure_covers(township)
        return self.principal.list_scope(township)


SYSTEM = Actor("system:volunteer-worker")


@dataclass(frozen=True)
class RegisterStation:
    level: str
    division_code: str
    name: str


@dataclass(frozen=True)
class RegisterServicePoint:
    station_id: UUID
    name: str


@dataclass(frozen=True)
class RegisterTeam:
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
class RegisterVolunteer:
    name: str
    phone: str
    id_number: str
    township_code: str
    skills: tuple[str, ...] = ()
    available_time: tuple[Slot, ...] = ()
    team_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class SubmitRequest:
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
class RequestAction:
    """approve / start / auto-dispatch / escalate: no arguments beyond the request."""

    request_id: UUID
    action: str


@dataclass(frozen=True)
class WithReason:
    """reject / cancel / decline (team_id) / redispatch (optional team_id)."""

    request_id: UUID
    action: str
    reason: str
    team_id: UUID | None = None


@dataclass(frozen=True)
class TeamAction:
    """dispatch (manual, team_id; None = automatic) / grab / accept."""

    request_id: UUID
    action: str
    team_id: UUID | None


@dataclass(frozen=True)
class CompleteService:
    request_id: UUID
    spans: tuple[SpanInput, ...]


@dataclass(frozen=True)
class RateService:
    request_id: UUID
    stars: int
    comment: str = ""


@dataclass(frozen=True)
class RecordActivity:
    activity_type: str
    title: str
    team_id: UUID
    place_code: str
    held_at: datetime
    organiser: str
    participants: tuple[SpanInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AddRecordEntry:
    volunteer_id: UUID
    kind: str  # training | award | evaluation
    at: datetime
    title: str
    recorded_by: str
    minutes: int | None = None
