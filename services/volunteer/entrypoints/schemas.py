"""Request bodies of the volunteer API (pydantic): shape and ranges; business rules stay in the domain.

Every value is bounded (`minqing_contract.bounds`): strings without control characters, instants
within 2000–2100, minutes under their ceiling — refused with 422 naming the field, never a 500.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from minqing_contract.bounds import AwareInstant, FreeText, Line, Minutes

Code = Annotated[str, Field(pattern=r"^\d{12}$", description="12 位区划代码 (12-digit division code)")]
Short = Annotated[Line, Field(max_length=100)]
Reason = Annotated[FreeText, Field(min_length=1, max_length=500, description="原因 (reason)")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StationIn(Body):
    level: Short = Field(description="village | township | county")
    division_code: Code
    name: Line = Field(min_length=1, max_length=100)


class ServicePointIn(Body):
    station_id: UUID
    name: Line = Field(min_length=1, max_length=100, examples=["微笑小屋"])


class TeamIn(Body):
    name: Line = Field(min_length=1, max_length=100)
    home_station_id: UUID
    specialties: list[Short] = Field(min_length=1, max_length=20, examples=[["ecology"]])
    capacity: int = Field(ge=1, le=1000)


class SlotIn(Body):
    weekday: int = Field(ge=0, le=6)
    start: time
    end: time


class VolunteerIn(Body):
    name: Line = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=r"^1\d{10}$")
    id_number: str = Field(pattern=r"^\d{17}[\dXx]$")
    township_code: Code
    skills: list[Short] = Field(default=[], max_length=20)
    available_time: list[SlotIn] = Field(default=[], max_length=50)
    team_ids: list[UUID] = Field(default=[], max_length=20)


class RequestIn(Body):
    category: Short = Field(description="服务领域 (specialty), e.g. ecology")
    village_code: Code
    description: FreeText = Field(min_length=1, max_length=1000)
    urgency: Short = Field(default="normal", description="low | normal | high | urgent")
    requester_name: Line = Field(min_length=1, max_length=50)
    requester_phone: str = Field(default="", pattern=r"^(1\d{10})?$")
    preferred_start: AwareInstant | None = None
    preferred_end: AwareInstant | None = None


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
    start: AwareInstant
    end: AwareInstant


class CompleteIn(Body):
    spans: list[SpanIn] = Field(min_length=1, max_length=500, description="每位志愿者的实际服务时段，不含路程 (travel excluded)")


class RateIn(Body):
    stars: int = Field(ge=1, le=5)
    comment: FreeText = Field(default="", max_length=500)


class ActivityIn(Body):
    activity_type: Short
    title: Line = Field(min_length=1, max_length=200)
    team_id: UUID
    place_code: Code
    held_at: AwareInstant
    organiser: Line = Field(min_length=1, max_length=100)
    participants: list[SpanIn] = Field(min_length=1, max_length=1000)


class RecordEntryIn(Body):
    kind: str = Field(pattern="^(training|award|evaluation)$")
    at: AwareInstant
    title: Line = Field(min_length=1, max_length=200)
    recorded_by: Line = Field(min_length=1, max_length=100)
    minutes: Minutes | None = None
