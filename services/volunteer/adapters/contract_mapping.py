"""The one place where volunteer domain events become contract events (what goes on Kafka).

No personal data crosses here: requesters travel as pseudonyms, volunteers as opaque ids; reasons,
descriptions and comments (free text that may name people) stay in the service's database.
Request events get the request's running `sequence`, so subscribers can order and spot gaps.
`MAPPING` (the kit's `ContractMapping`) is what the unit of work uses at commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from minqing_contract.events import volunteer as c
from minqing_contract.events.base import EventPayload
from minqing_kit.errors import BrokenInvariant
from minqing_kit.mapping import ContractMapping, Mapper
from minqing_kit.outbox import PendingEvent
from services.volunteer.domain import events as ev
from services.volunteer.domain.network import Team


def _base(e: ev.RequestEvent) -> dict[str, Any]:
    return {"request_id": e.request_id, "township_code": e.township_code, "village_code": e.village_code,
            "category": e.category.value, "submitted_at": e.submitted_at, "occurred_at": e.occurred_at}


def _level(level: Any) -> c.Level:
    return c.Level(level.value)


def _submitted(e: ev.RequestSubmitted) -> EventPayload:
    return c.RequestSubmitted(**_base(e), urgency=e.urgency.value, requester=e.requester)


def _approved(e: ev.RequestApproved) -> EventPayload:
    return c.RequestApproved(**_base(e), approved_at=e.occurred_at)


def _rejected(e: ev.RequestRejected) -> EventPayload:
    return c.RequestRejected(**_base(e), rejected_at=e.occurred_at)


def _dispatched(e: ev.RequestDispatched) -> EventPayload:
    return c.RequestDispatched(**_base(e), team_id=e.team_id, team_level=_level(e.team_level),
                               attempt=e.attempt, dispatched_at=e.occurred_at)


def _accepted(e: ev.RequestAccepted) -> EventPayload:
    return c.RequestAccepted(**_base(e), team_id=e.team_id, team_level=_level(e.team_level), grabbed=e.grabbed,
                             dispatched_at=e.dispatched_at, accepted_at=e.occurred_at)


def _declined(e: ev.RequestDeclined) -> EventPayload:
    return c.RequestDeclined(**_base(e), team_id=e.team_id, declined_at=e.occurred_at)


def _escalated(e: ev.RequestEscalated) -> EventPayload:
    return c.RequestEscalated(**_base(e), from_level=_level(e.from_level), to_level=_level(e.to_level),
                              escalated_at=e.occurred_at)


def _manual(e: ev.ManualDispatchNeeded) -> EventPayload:
    return c.ManualDispatchNeeded(**_base(e), flagged_at=e.occurred_at)


def _started(e: ev.ServiceStarted) -> EventPayload:
    return c.ServiceStarted(**_base(e), team_id=e.team_id, started_at=e.occurred_at)


def _completed(e: ev.ServiceCompleted) -> EventPayload:
    if e.accepted_at is None:  # complete() is only reachable after accept or grab
        raise BrokenInvariant("点单 (request)", "accepted_at", "set_once_accepted")
    return c.ServiceCompleted(**_base(e), team_id=e.team_id, dispatched_at=e.dispatched_at,
                              accepted_at=e.accepted_at, completed_at=e.occurred_at, volunteers=e.volunteers,
                              total_minutes=e.total_minutes)


def _rated(e: ev.RequestRated) -> EventPayload:
    return c.RequestRated(**_base(e), team_id=e.team_id, stars=e.stars, rated_at=e.occurred_at)


def _cancelled(e: ev.RequestCancelled) -> EventPayload:
    return c.RequestCancelled(**_base(e), cancelled_at=e.occurred_at)


def _activity(e: ev.ActivityHeld) -> EventPayload:
    return c.ActivityHeld(activity_id=e.activity_id, team_id=e.team_id, activity_type=e.activity_type.value,
                          division_code=e.division_code, township_code=e.township_code, held_at=e.held_at,
                          person_times=e.person_times, total_minutes=e.total_minutes, occurred_at=e.occurred_at)


def _hours(e: ev.HoursRecorded) -> EventPayload:
    return c.HoursRecorded(volunteer_id=e.volunteer_id, team_id=e.team_id, source=e.source.value,
                           source_id=e.source_id, minutes=e.minutes, served_at=e.served_at,
                           township_code=e.township_code, occurred_at=e.occurred_at)


_MAPPERS: dict[type[ev.DomainEvent], Mapper] = {
    ev.RequestSubmitted: _submitted,
    ev.RequestApproved: _approved,
    ev.RequestRejected: _rejected,
    ev.RequestDispatched: _dispatched,
    ev.RequestAccepted: _accepted,
    ev.RequestDeclined: _declined,
    ev.RequestEscalated: _escalated,
    ev.ManualDispatchNeeded: _manual,
    # Internal only: the new dispatch (if any) follows as RequestDispatched, the reason stays in the audit.
    ev.RequestRedispatched: None,
    ev.ServiceStarted: _started,
    ev.ServiceCompleted: _completed,
    ev.RequestRated: _rated,
    ev.RequestCancelled: _cancelled,
    ev.ActivityHeld: _activity,
    ev.HoursRecorded: _hours,
    ev.TeamRegistered: c.TeamRegistered,
}

MAPPING = ContractMapping(_MAPPERS, sequenced=lambda e: isinstance(e, ev.RequestEvent))


def to_contract(event: ev.DomainEvent) -> EventPayload | None:
    return MAPPING.to_contract(event)


def pending_events(events: Iterable[ev.DomainEvent], version: int = 0) -> tuple[list[PendingEvent], int]:
    """Outbox rows for `events`; request events are numbered on from `version`. Returns the new version."""
    return MAPPING.pending(events, version)


def team_registered(team: Team, township_code: str, now: datetime) -> EventPayload:
    payload = MAPPING.to_contract(team.registered(township_code, now))
    if payload is None:  # the table maps it; None would be a wiring error
        raise LookupError("TeamRegistered is not published")
    return payload
