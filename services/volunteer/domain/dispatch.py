"""Choosing a team for a request (派单) and escalating up the levels when nobody accepts.

Rule: dispatch as close to the village as possible. Among teams that are active, have the
specialty, have room under their capacity, are not excluded (they declined) and cover the village,
take the lowest level at or above `min_level`; within that level the team with the fewest open
assignments; ties go to the lower load ratio (open / capacity, i.e. the larger team), then to the
smaller team id (as a string), so the same inputs always pick the same team.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from uuid import UUID

from minqing_kit.errors import Conflict

from ._guards import require_aware
from .enums import Level, Specialty
from .network import Team

#: Default time a dispatched team has to accept before the request goes one level up.
DEFAULT_ACCEPT_TIMEOUT = timedelta(minutes=30)

_NEXT_LEVEL = {Level.village: Level.township, Level.township: Level.county, Level.county: None}


def next_level(level: Level) -> Level | None:
    """The tier above (village → township → county); None above the county centre."""
    return _NEXT_LEVEL[level]


def escalation_due(
    dispatched_at: datetime, now: datetime, accept_timeout: timedelta = DEFAULT_ACCEPT_TIMEOUT
) -> bool:
    require_aware(dispatched_at, "dispatched_at")
    require_aware(now, "now")
    return now - dispatched_at >= accept_timeout


def eligible(
    team: Team,
    specialty: Specialty,
    village_code: str,
    open_count: int,
    *,
    exclude: Collection[UUID] = frozenset(),
    min_level: Level = Level.village,
) -> bool:
    return (
        team.active
        and team.id not in exclude
        and team.level >= min_level
        and team.serves(specialty)
        and team.has_room(open_count)
        and team.covers(village_code)
    )


def choose_team(
    request_specialty: Specialty,
    village_code: str,
    teams: Iterable[Team],
    open_counts: Mapping[UUID, int],
    exclude: Collection[UUID] = frozenset(),
    min_level: Level = Level.village,
) -> Team | None:
    """The team to dispatch to, or None when no team at `min_level` or above can serve."""
    candidates = [
        team
        for team in teams
        if eligible(
            team,
            request_specialty,
            village_code,
            open_counts.get(team.id, 0),
            exclude=exclude,
            min_level=min_level,
        )
    ]
    if not candidates:
        return None

    def key(team: Team) -> tuple[int, int, Fraction, str]:
        load = open_counts.get(team.id, 0)
        return team.level.rank, load, Fraction(load, team.capacity), str(team.id)

    return min(candidates, key=key)


def require_available(team: Team, open_count: int) -> None:
    """An admin's explicit choice still needs an active team with room."""
    if not team.active:
        raise Conflict("服务队已停用 (team is inactive)", field="team_id", rule="team_active")
    if not team.has_room(open_count):
        raise Conflict("服务队已达接单上限 (team is at capacity)", field="team_id", rule="team_capacity")
