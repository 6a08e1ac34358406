"""Builders for volunteer domain tests: a small county with two townships and their villages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from services.volunteer.domain.enums import Level, Specialty
from services.volunteer.domain.hours import ServiceSpan
from services.volunteer.domain.network import Team

COUNTY = "350124000000"
TOWNSHIP = "350124100000"
VILLAGE = "350124100201"
OTHER_VILLAGE = "350124100202"  # same township
OTHER_TOWNSHIP = "350124101000"
FAR_VILLAGE = "350124101201"  # village of the other township
OTHER_COUNTY = "350125000000"

T0 = datetime(2025, 5, 6, 8, 0, tzinfo=UTC)
PSEUDONYM = "p_mfrggzdfmztwq2lknnwg23tpoa"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def team(
    level: Level = Level.village,
    division: str | None = None,
    *,
    specialties: tuple[Specialty, ...] = (Specialty.ecology,),
    capacity: int = 3,
    active: bool = True,
    id: UUID | None = None,
    name: str = "志愿服务队",
) -> Team:
    home = division or {Level.village: VILLAGE, Level.township: TOWNSHIP, Level.county: COUNTY}[level]
    return Team(
        id=id or uuid4(),
        name=name,
        level=level,
        home_station_id=uuid4(),
        home_division_code=home,
        specialties=frozenset(specialties),
        capacity=capacity,
        active=active,
    )


def span(volunteer: UUID, start_min: float, end_min: float) -> ServiceSpan:
    return ServiceSpan(volunteer, at(start_min), at(end_min))
