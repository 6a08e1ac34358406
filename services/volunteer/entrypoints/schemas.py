"""Request bodies of the volunteer API (pydantic): shape and ranges; business rules stay in the domain."""

from __future__ import annotations

from datetime import time
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Code = Annotated[str, Field(pattern=r"^\d{12}$", description="12 位区划代码 (12-digit division code)")]
Reason = Annotated[str, Field(min_length=1, max_length=500, description="原因 (reason)")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StationIn(Body):
    level: str = Field(description="village | township | county")
    division_code: Code
    name: str = Field(min_length=1, max_length=100)


class ServicePointIn(Body):
    station_id: UUID
    name: str = Field(min_length=1, max_length=100, examples=["微笑小屋"])


class TeamIn(Body):
    name: str = Field(min_length=1, max_length=100)
    home_station_id: UUID
    specialties: list[str] = Field(min_length=1, examples=[["ecology"]])
    capacity: int = Field(ge=1, le=1000)


class SlotIn(Body):
    weekday: int = Field(ge=0, le=6)
    start: time
    end: time


class VolunteerIn(Body):
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=r"^1\d{10}$")
    id_number: str = Field(pattern=r"^\d{17}[\dXx]$")
    township_code: Code
    skills: list[str] = []
    available_time: list[SlotIn] = []
    team_ids: list[UUID] = []


class RequestIn(Body):
    category: str = Field(description="服务领域 (specialty), e.g. ecology")
    village_code: Code
    description: str = Field(min_length=1, max_length=1000)
    urgency: str = Field(default="normal", description="low | normal | high | urgent")
    requester_name: str = Field(min_length=1, max_length=50)
    requester_phone: str = Field(default="", pattern=r"^(1\d{10})?$")
    preferred_start: AwareDatetime | None = None
    preferred_end: AwareDatetime | None = None


class ReasonIn(Body):
    reason: Reason


class TeamReasonIn(Body):
    team_id: UUID
    reason: Reason


class RedispatchIn(Body):
    reason: Reason
    team_id: UUID | None = None


class TeamIdIn(Body):
    team_id: UUID


class DispatchIn(Body):
    team_id: UUID | None = Field(default=None, description="留空则自动派单 (omit for automatic dispatch)")


class SpanIn(Body):
    volunteer_id: UUID
    start: AwareDatetime
    end: AwareDatetime


class CompleteIn(Body):
    spans: list[SpanIn] = Field(min_length=1, description="每位志愿者的实际服务时段，不含路程 (travel excluded)")


class RateIn(Body):
    stars: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)


class ActivityIn(Body):
    activity_type: str
    title: str = Field(min_length=1, max_length=200)
    team_id: UUID
    place_code: Code
    held_at: AwareDatetime
    organiser: str = Field(min_length=1, max_length=100)
    participants: list[SpanIn] = Field(min_length=1)


class RecordEntryIn(Body):
    kind: str = Field(pattern="^(training|award|evaluation)$")
    at: AwareDatetime
    title: str = Field(min_length=1, max_length=200)
    recorded_by: str = Field(min_length=1, max_length=100)
    minutes: int | None = Field(default=None, ge=0)
