"""The 新时代文明实践 network: stations, service points, teams and volunteers.

Personal data (names, phones, ID numbers) of volunteers is held encrypted by the adapters; the
domain only knows a volunteer by an opaque id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from uuid import UUID

from minqing_kit.errors import InvalidInput

from ._guards import require_text
from .divisions import ancestor_at, require_level
from .enums import Level, Specialty
from .events import TeamRegistered


@dataclass(frozen=True)
class Station:
    """A 实践中心 / 实践所 / 实践站; its division code must sit at its own level."""

    id: UUID
    level: Level
    division_code: str
    name: str = ""

    def __post_init__(self) -> None:
        require_level(self.division_code, self.level, "division_code")


@dataclass(frozen=True)
class ServicePoint:
    """A service point such as a 微笑小屋, always attached to a village station."""

    id: UUID
    name: str
    station_id: UUID
    village_code: str

    def __post_init__(self) -> None:
        require_text(self.name, "name", max_len=100)
        require_level(self.village_code, Level.village, "village_code")

    @classmethod
    def at(cls, station: Station, *, id: UUID, name: str) -> ServicePoint:
        if station.level is not Level.village:
            raise InvalidInput(
                "服务点只能设在村级实践站 (a service point belongs to a village station)",
                field="station_id",
                rule="village_station",
            )
        return cls(id=id, name=name, station_id=station.id, village_code=station.division_code)


@dataclass(frozen=True)
class Team:
    """A volunteer team (志愿服务队) based at a station; capacity = max open assignments."""

    id: UUID
    name: str
    level: Level
    home_station_id: UUID
    home_division_code: str
    specialties: frozenset[Specialty]
    capacity: int
    active: bool = True

    def __post_init__(self) -> None:
        require_text(self.name, "name", max_len=100)
        require_level(self.home_division_code, self.level, "home_division_code")
        object.__setattr__(self, "specialties", frozenset(Specialty(s) for s in self.specialties))
        if not self.specialties:
            raise InvalidInput(
                "服务队至少要有一个服务领域 (a team needs at least one specialty)",
                field="specialties",
                rule="min_1",
            )
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int) or self.capacity < 1:
            raise InvalidInput(
                "接单上限须为正整数 (capacity must be a positive integer)", field="capacity", rule="min_1"
            )

    def registered(self, township_code: str, now: datetime) -> TeamRegistered:
        """The fact of its registration (teams are plain data entry, not an aggregate)."""
        return TeamRegistered(team_id=self.id, level=self.level, division_code=self.home_division_code,
                              specialties=tuple(sorted(self.specialties, key=lambda s: s.value)),
                              capacity=self.capacity, township_code=township_code, occurred_at=now)

    def serves(self, specialty: Specialty) -> bool:
        return specialty in self.specialties

    def covers(self, village_code: str) -> bool:
        """A village team covers its own village, a township team its township, a county team its county."""
        return self.home_division_code == ancestor_at(village_code, self.level)

    def has_room(self, open_count: int) -> bool:
        return open_count < self.capacity


@dataclass(frozen=True)
class AvailabilitySlot:
    """A weekly window when a volunteer can serve (weekday 0 = Monday), local wall-clock time."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidInput(
                "星期须为 0–6 (weekday must be 0–6)", field="available_time", rule="weekday_0_6"
            )
        if self.end <= self.start:
            raise InvalidInput(
                "结束时间须晚于开始时间 (end must be after start)",
                field="available_time",
                rule="end_after_start",
            )

    def contains(self, at: datetime) -> bool:
        return at.weekday() == self.weekday and self.start <= at.timetz().replace(tzinfo=None) < self.end


@dataclass(frozen=True)
class Volunteer:
    """A registered volunteer (§7 条例): skills, available time, teams. No personal data here."""

    id: UUID
    skills: frozenset[Specialty] = field(default_factory=frozenset)
    available_time: tuple[AvailabilitySlot, ...] = ()
    team_ids: frozenset[UUID] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", frozenset(Specialty(s) for s in self.skills))
        object.__setattr__(self, "available_time", tuple(self.available_time))
        object.__setattr__(self, "team_ids", frozenset(self.team_ids))

    def is_available(self, at: datetime) -> bool:
        """`at` in the volunteer's local time; no slots registered means "not stated", i.e. ask."""
        return not self.available_time or any(slot.contains(at) for slot in self.available_time)

    def join(self, team_ids: Iterable[UUID]) -> Volunteer:
        return Volunteer(self.id, self.skills, self.available_time, self.team_ids | frozenset(team_ids))
