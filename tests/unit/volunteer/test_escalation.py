from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from minqing_kit.errors import Conflict
from services.volunteer.domain import events as ev
from services.volunteer.domain.enums import Level, RequestStatus, Specialty, Urgency
from services.volunteer.domain.request import Request

from .factories import PSEUDONYM, VILLAGE, at, team

S = RequestStatus


def dispatched(teams: list) -> Request:
    req = Request.submit(
        id=uuid4(), category=Specialty.ecology, village_code=VILLAGE, description="清理废旧农膜",
        urgency=Urgency.high, requester=PSEUDONYM, actor="op", now=at(0),
    )  # fmt: skip
    req.approve(actor="op", now=at(1))
    req.auto_dispatch(teams, {}, actor="system", now=at(2))
    return req


def test_chain_village_township_county_then_manual() -> None:
    village, township, county = team(Level.village), team(Level.township), team(Level.county)
    teams = [village, township, county]
    req = dispatched(teams)
    assert req.team_id == village.id

    assert not req.escalation_due(at(31))
    with pytest.raises(Conflict) as err:
        req.escalate(teams, {}, actor="timer", now=at(31))
    assert err.value.rule == "accept_timeout_reached"

    assert req.escalation_due(at(32))
    assert req.escalate(teams, {}, actor="timer", now=at(32)) == township
    assert (req.status, req.team_level, req.min_level) == (S.dispatched, Level.township, Level.township)

    assert req.escalate(teams, {}, actor="timer", now=at(62)) == county
    assert req.team_level is Level.county

    assert req.escalate(teams, {}, actor="timer", now=at(92)) is None
    assert req.status is S.needs_manual_dispatch and req.team_id is None

    escalations = [(e.from_level, e.to_level) for e in req.events if isinstance(e, ev.RequestEscalated)]
    assert escalations == [(Level.village, Level.township), (Level.township, Level.county)]
    assert [e.attempt for e in req.events if isinstance(e, ev.RequestDispatched)] == [1, 2, 3]
    flagged = req.events[-1]
    assert isinstance(flagged, ev.ManualDispatchNeeded) and flagged.reason == "escalation_exhausted"
    # Reporting still sees when the request was first dispatched.
    assert flagged.dispatched_at == at(2)


def test_escalation_skips_an_empty_level() -> None:
    village, county = team(Level.village), team(Level.county)
    req = dispatched([village, county])
    assert req.escalate([village, county], {}, actor="timer", now=at(40)) == county
    last_escalation = [e for e in req.events if isinstance(e, ev.RequestEscalated)][-1]
    assert last_escalation.to_level is Level.county


def test_escalation_with_no_team_above_flags_manual_dispatch() -> None:
    village = team(Level.village)
    req = dispatched([village])
    assert req.escalate([village], {}, actor="timer", now=at(40)) is None
    assert req.status is S.needs_manual_dispatch


def test_escalation_respects_capacity_above() -> None:
    village, township = team(Level.village), team(Level.township, capacity=1)
    req = dispatched([village, township])
    assert req.escalate([village, township], {township.id: 1}, actor="timer", now=at(40)) is None
    assert req.status is S.needs_manual_dispatch


def test_decline_after_escalation_keeps_the_higher_floor() -> None:
    village, township_a, township_b = team(Level.village), team(Level.township), team(Level.township)
    teams = [village, township_a, township_b]
    req = dispatched(teams)
    escalated_to = req.escalate(teams, {}, actor="timer", now=at(40))
    assert escalated_to is not None
    req.decline(escalated_to.id, "设备不足", actor="lead", now=at(41))
    again = req.auto_dispatch(teams, {}, actor="system", now=at(42))
    # The village team, which let the request time out, is not asked again.
    assert again is not None and again.level is Level.township and again.id != escalated_to.id


def test_custom_accept_timeout() -> None:
    village, township = team(Level.village), team(Level.township)
    req = dispatched([village, township])
    assert req.escalation_due(at(12), accept_timeout=timedelta(minutes=10))
    assert req.escalate([village, township], {}, actor="t", now=at(12), accept_timeout=timedelta(minutes=10))
