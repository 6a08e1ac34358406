from __future__ import annotations

from uuid import uuid4

import pytest

from minqing_kit.errors import Conflict, IllegalTransition, InvalidInput
from services.volunteer.domain import events as ev
from services.volunteer.domain.enums import HoursSource, Level, RequestStatus, Specialty, Urgency
from services.volunteer.domain.lifecycle import TERMINAL_STATUSES, TRANSITIONS
from services.volunteer.domain.request import Request

from .factories import FAR_VILLAGE, PSEUDONYM, TOWNSHIP, VILLAGE, at, span, team

S = RequestStatus


def submitted(now_min: float = 0) -> Request:
    return Request.submit(
        id=uuid4(),
        category=Specialty.ecology,
        village_code=VILLAGE,
        description="清理村口废旧农膜 (clear old plastic film)",
        urgency=Urgency.normal,
        requester=PSEUDONYM,
        actor="station-op",
        now=at(now_min),
    )


def approved() -> Request:
    req = submitted()
    req.approve(actor="station-op", now=at(5))
    return req


def kinds(req: Request) -> list[str]:
    return [type(e).__name__ for e in req.events]


def test_full_path_from_order_to_rating() -> None:
    eco = team(Level.township)
    v1, v2 = uuid4(), uuid4()
    req = approved()
    assert req.auto_dispatch([eco], {}, actor="system", now=at(10)) == eco
    req.accept(eco.id, actor="team-lead", now=at(20))
    req.start(actor="team-lead", now=at(60))
    req.complete([span(v1, 60, 150), span(v2, 65, 125), span(v1, 160, 170)], actor="team-lead", now=at(180))
    req.rate(5, actor=PSEUDONYM, now=at(300), comment="很及时")

    assert req.status is S.rated and req.stars == 5
    assert (req.submitted_at, req.approved_at, req.dispatched_at) == (at(0), at(5), at(10))
    assert (req.accepted_at, req.started_at, req.completed_at) == (at(20), at(60), at(180))
    assert kinds(req) == [
        "RequestSubmitted", "RequestApproved", "RequestDispatched", "RequestAccepted", "ServiceStarted",
        "ServiceCompleted", "HoursRecorded", "HoursRecorded", "RequestRated",
    ]  # fmt: skip
    done = next(e for e in req.events if isinstance(e, ev.ServiceCompleted))
    assert (done.volunteers, done.total_minutes) == (2, 90 + 60 + 10)
    assert (done.township_code, done.village_code, done.category) == (TOWNSHIP, VILLAGE, Specialty.ecology)
    assert (done.dispatched_at, done.accepted_at, done.completed_at) == (at(10), at(20), at(180))
    hours = {e.volunteer_id: e for e in req.events if isinstance(e, ev.HoursRecorded)}
    assert hours[v1].minutes == 100 and hours[v2].minutes == 60
    assert hours[v1].source is HoursSource.request and hours[v1].recorded_by == str(eco.id)
    assert hours[v1].served_at == at(60)
    assert [a.action for a in req.audit] == [
        "submit", "approve", "dispatch", "accept", "start", "complete", "rate"
    ]  # fmt: skip
    assert all(a.actor for a in req.audit)


def test_reject_with_reason_is_terminal() -> None:
    req = submitted()
    with pytest.raises(InvalidInput) as err:
        req.reject("  ", actor="op", now=at(1))
    assert (err.value.field, err.value.rule) == ("reason", "required")
    req.reject("不属于志愿服务范围", actor="op", now=at(1))
    assert req.status is S.rejected and req.close_reason == "不属于志愿服务范围"
    with pytest.raises(IllegalTransition):
        req.approve(actor="op", now=at(2))


def test_completing_a_never_accepted_request_is_illegal() -> None:
    req = approved()
    req.auto_dispatch([team()], {}, actor="system", now=at(10))
    with pytest.raises(IllegalTransition) as err:
        req.complete([span(uuid4(), 20, 30)], actor="team-lead", now=at(40))
    assert err.value.state == "dispatched" and "complete" not in err.value.allowed
    assert req.status is S.dispatched and req.completed_at is None


@pytest.mark.parametrize("action", ["start", "rate", "accept"])
def test_actions_out_of_order_are_illegal(action: str) -> None:
    req = submitted()
    with pytest.raises(IllegalTransition) as err:
        if action == "start":
            req.start(actor="op", now=at(1))
        elif action == "rate":
            req.rate(4, actor="op", now=at(1))
        else:
            req.accept(uuid4(), actor="op", now=at(1))
    assert err.value.allowed == ["approve", "cancel", "reject"]
    assert req.status is S.submitted and len(req.events) == 1


def test_only_the_dispatched_team_may_accept() -> None:
    chosen = team()
    req = approved()
    req.auto_dispatch([chosen], {}, actor="system", now=at(10))
    with pytest.raises(Conflict) as err:
        req.accept(uuid4(), actor="intruder", now=at(11))
    assert err.value.rule == "dispatched_team_only"


def test_decline_returns_to_approved_and_the_decliner_is_not_asked_again() -> None:
    first, second = team(id=None), team()
    req = approved()
    picked = req.auto_dispatch([first, second], {}, actor="system", now=at(10))
    assert picked is not None
    req.decline(picked.id, "人手不足", actor="team-lead", now=at(12))
    assert req.status is S.approved and req.team_id is None and picked.id in req.excluded_team_ids
    again = req.auto_dispatch([first, second], {}, actor="system", now=at(13))
    assert again is not None and again.id != picked.id
    assert req.attempts == 2 and req.dispatched_at == at(10) and req.current_dispatch_at == at(13)
    dispatched = [e for e in req.events if isinstance(e, ev.RequestDispatched)]
    assert [d.attempt for d in dispatched] == [1, 2]


def test_no_team_means_manual_dispatch_then_admin_assigns() -> None:
    req = approved()
    assert req.auto_dispatch([team(specialties=(Specialty.legal,))], {}, actor="system", now=at(10)) is None
    assert req.status is S.needs_manual_dispatch
    assert isinstance(req.events[-1], ev.ManualDispatchNeeded) and req.events[-1].reason == "no_team"
    # A retry that still finds nobody changes nothing.
    before = (len(req.events), len(req.audit))
    assert req.auto_dispatch([], {}, actor="system", now=at(11)) is None
    assert (len(req.events), len(req.audit)) == before
    # The admin may pick a team outside the automatic rule, but not a full one.
    far = team(Level.township, "350124101000", capacity=1)
    with pytest.raises(Conflict) as err:
        req.dispatch_to(far, open_count=1, actor="admin", now=at(12))
    assert err.value.rule == "team_capacity"
    req.dispatch_to(far, open_count=0, actor="admin", now=at(12))
    assert req.status is S.dispatched and req.team_id == far.id


def test_grab_from_approved_or_manual_goes_straight_to_accepted() -> None:
    grabber = team(Level.township)
    req = approved()
    req.grab(grabber, open_count=0, actor="team-lead", now=at(7))
    assert req.status is S.accepted and req.grabbed and req.team_id == grabber.id
    accepted = req.events[-1]
    assert isinstance(accepted, ev.RequestAccepted) and accepted.grabbed and accepted.dispatched_at is None


def test_grab_refused_for_unsuitable_team() -> None:
    req = approved()
    for unsuitable, open_count in [
        (team(specialties=(Specialty.legal,)), 0),
        (team(Level.village, FAR_VILLAGE), 0),
        (team(capacity=1), 1),
        (team(active=False), 0),
    ]:
        with pytest.raises(Conflict) as err:
            req.grab(unsuitable, open_count=open_count, actor="team-lead", now=at(7))
        assert (err.value.field, err.value.rule) == ("team_id", "team_eligible")
    assert req.status is S.approved


def test_admin_redispatch_to_another_team_or_back_to_approved() -> None:
    first, second = team(), team(Level.township)
    req = approved()
    req.dispatch_to(first, open_count=0, actor="admin", now=at(10))
    req.accept(first.id, actor="lead", now=at(11))
    with pytest.raises(InvalidInput):
        req.redispatch("", actor="admin", now=at(12), team=second)
    with pytest.raises(Conflict):
        req.redispatch("换队", actor="admin", now=at(12), team=first)
    req.redispatch("队伍临时有事", actor="admin", now=at(12), team=second)
    assert req.status is S.dispatched and req.team_id == second.id and req.accepted_at is None
    assert first.id in req.excluded_team_ids and req.attempts == 2
    req.redispatch("重新派单", actor="admin", now=at(13))
    assert req.status is S.approved and req.team_id is None
    assert kinds(req)[-3:] == ["RequestRedispatched", "RequestDispatched", "RequestRedispatched"]


def test_cancel_from_any_open_state_but_not_after_completion() -> None:
    for prepare in [submitted, approved]:
        req = prepare()
        req.cancel("村民已自行解决", actor="admin", now=at(30))
        assert req.status is S.cancelled and isinstance(req.events[-1], ev.RequestCancelled)
        with pytest.raises(IllegalTransition):
            req.cancel("again", actor="admin", now=at(31))
    assert set(TRANSITIONS["cancel"]) == {
        S.submitted, S.approved, S.dispatched, S.needs_manual_dispatch, S.accepted, S.in_service
    }  # fmt: skip
    assert TERMINAL_STATUSES == {S.rejected, S.rated, S.cancelled}


def served() -> Request:
    eco = team()
    req = approved()
    req.grab(eco, open_count=0, actor="lead", now=at(10))
    req.start(actor="lead", now=at(20))
    req.complete([span(uuid4(), 20, 80)], actor="lead", now=at(90))
    return req


@pytest.mark.parametrize("stars", [0, 6, -1, True, 3.5])
def test_rating_outside_1_to_5_is_refused(stars: int) -> None:
    req = served()
    with pytest.raises(InvalidInput) as err:
        req.rate(stars, actor=PSEUDONYM, now=at(100))
    assert (err.value.field, err.value.rule) == ("stars", "range_1_5")
    assert req.status is S.completed and req.stars is None


@pytest.mark.parametrize("stars", [1, 5])
def test_rating_bounds_accepted(stars: int) -> None:
    req = served()
    req.rate(stars, actor=PSEUDONYM, now=at(100))
    assert req.stars == stars and isinstance(req.events[-1], ev.RequestRated)


def test_close_out_spans_are_checked() -> None:
    req = approved()
    req.grab(team(), open_count=0, actor="lead", now=at(10))
    req.start(actor="lead", now=at(20))
    v = uuid4()
    cases = [
        ([], "min_1"),
        ([span(v, 15, 40)], "within_service_window"),
        ([span(v, 30, 100)], "not_in_future"),
        ([span(v, 30, 60), span(v, 50, 70)], "no_overlap_per_volunteer"),
    ]
    for spans, rule in cases:
        with pytest.raises((InvalidInput, Conflict)) as err:
            req.complete(spans, actor="lead", now=at(90))
        assert (err.value.field, err.value.rule) == ("spans", rule)
    # Time already credited elsewhere (another request or an activity) counts too.
    with pytest.raises(Conflict):
        req.complete([span(v, 30, 60)], actor="lead", now=at(90), existing_spans=[span(v, 55, 65)])
    assert req.status is S.in_service


def test_submit_validates_inputs() -> None:
    with pytest.raises(InvalidInput) as err:
        Request.submit(
            id=uuid4(), category="ecology", village_code=TOWNSHIP, description="x", urgency="normal",
            requester=PSEUDONYM, actor="op", now=at(0),
        )  # fmt: skip
    assert (err.value.field, err.value.rule) == ("village_code", "village_code")
    with pytest.raises(InvalidInput) as err:
        Request.submit(
            id=uuid4(), category="plumbing", village_code=VILLAGE, description="x", urgency="normal",
            requester=PSEUDONYM, actor="op", now=at(0),
        )  # fmt: skip
    assert (err.value.field, err.value.rule) == ("category", "one_of")
    with pytest.raises(InvalidInput) as err:
        Request.submit(
            id=uuid4(), category="ecology", village_code=VILLAGE, description="x", urgency="normal",
            requester=PSEUDONYM, actor="op", now=at(0).replace(tzinfo=None),
        )  # fmt: skip
    assert (err.value.field, err.value.rule) == ("now", "timezone_aware")


def test_clock_cannot_run_backwards_and_refusal_changes_nothing() -> None:
    req = submitted(now_min=10)
    with pytest.raises(InvalidInput) as err:
        req.approve(actor="op", now=at(5))
    assert err.value.rule == "not_before_previous_action"
    with pytest.raises(InvalidInput) as err:
        req.approve(actor=" ", now=at(11))
    assert err.value.field == "actor"
    assert req.status is S.submitted and len(req.audit) == 1 and len(req.events) == 1


def test_events_carry_no_personal_data_fields() -> None:
    req = served()
    forbidden = {"name", "phone", "id_number", "address"}
    for event in req.events:
        assert not forbidden & set(vars(event)), type(event).__name__
