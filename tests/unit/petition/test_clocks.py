"""Statutory clocks with a controllable clock: every deadline, working days across National Day 2025."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from minqing_kit.errors import InvalidInput
from services.petition.domain import clocks as ck
from services.petition.domain import events as ev
from services.petition.domain.enums import AlertLevel, DeadlineKind, MatterStatus

from .factories import DEPT, HANDLER, LEADER, OFFICER, PERSON, accepted, assigned, register, replied, sh

C = ck.PetitionClocks()
K = DeadlineKind


class Clock:
    """A controllable clock: tests move it; the domain only ever sees the instants it gives."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now += timedelta(**delta)
        return self.now


# ----- period arithmetic ---------------------------------------------------------------------------
def test_route_15_days_day_of_registration_not_counted() -> None:
    due = ck.route_due(sh(2025, 5, 6, 9), C)
    assert due == sh(2025, 5, 22, 0) and ck.last_day(due) == date(2025, 5, 21)


def test_day_boundary_is_shanghai_not_utc() -> None:
    from datetime import UTC

    late_utc = datetime(2025, 5, 5, 17, 30, tzinfo=UTC)  # 2025-05-06 01:30 in Shanghai
    assert ck.last_day(ck.route_due(late_utc, C)) == date(2025, 5, 21)


def test_acceptance_notice_15_days_and_reply_60_days() -> None:
    assert ck.last_day(ck.acceptance_notice_due(sh(2025, 5, 7), C)) == date(2025, 5, 22)
    assert ck.last_day(ck.reply_due(sh(2025, 5, 8), C)) == date(2025, 7, 7)
    assert ck.last_day(ck.reply_due(sh(2025, 5, 8), C, extension_days=30)) == date(2025, 8, 6)


def test_review_windows_and_decisions_30_days() -> None:
    assert ck.last_day(ck.review_request_until(sh(2025, 6, 1), C)) == date(2025, 7, 1)
    assert ck.last_day(ck.review_decision_due(sh(2025, 6, 1), C)) == date(2025, 7, 1)
    assert ck.last_day(ck.re_review_request_until(sh(2025, 6, 1), C)) == date(2025, 7, 1)
    assert ck.last_day(ck.re_review_decision_due(sh(2025, 6, 1), C)) == date(2025, 7, 1)


def test_objection_window_skips_national_day_and_counts_adjusted_saturday() -> None:
    # Assigned Tue 30 Sep 2025: 1–8 Oct are holidays, Sat 11 Oct is an adjusted working day.
    # Working days: 9 Oct, 10 Oct, 11 Oct (Sat), 13 Oct, 14 Oct -> the window ends on 14 Oct.
    due = ck.objection_due(sh(2025, 9, 30, 16), C)
    assert ck.last_day(due) == date(2025, 10, 14)
    # Without the adjusted Saturday it would be the 15th; plain weekdays would give 7 Oct.
    assert ck.last_day(due) not in (date(2025, 10, 7), date(2025, 10, 15))


def test_objection_window_counts_adjusted_sunday_before_national_day() -> None:
    # Assigned Fri 26 Sep: Sun 28 Sep is a working day, then 29, 30 Sep, 9, 10 Oct.
    assert ck.last_day(ck.objection_due(sh(2025, 9, 26, 10), C)) == date(2025, 10, 10)


def test_objection_within_working_days_across_holiday_is_on_time() -> None:
    m = assigned(now=sh(2025, 9, 29, 9))  # assigned 30 Sep 09:00
    m.raise_objection(reason="非本部门职责", actor=HANDLER, now=sh(2025, 10, 14, 17))
    assert m.status is MatterStatus.registered
    returned = m.events[-1]
    assert isinstance(returned, ev.MatterReturned) and ck.last_day(returned.objection_due_at) == date(
        2025, 10, 14
    )


def test_objection_after_five_working_days_refused() -> None:
    m = assigned(now=sh(2025, 9, 29, 9))
    with pytest.raises(InvalidInput) as err:
        m.raise_objection(reason="非本部门职责", actor=HANDLER, now=sh(2025, 10, 15, 8))
    assert (err.value.field, err.value.rule) == ("objection", "objection_window")
    assert "2025-10-14" in err.value.message and m.status is MatterStatus.assigned


def test_roll_over_rest_days_option() -> None:
    # 15 days after 16 Sep 2025 is 1 Oct (holiday): with roll-over the period ends on 9 Oct.
    assert ck.last_day(ck.route_due(sh(2025, 9, 16), C)) == date(2025, 10, 1)
    rolled = ck.PetitionClocks(roll_over_rest_days=True)
    assert ck.last_day(ck.route_due(sh(2025, 9, 16), rolled)) == date(2025, 10, 9)


def test_clocks_are_configurable_and_checked() -> None:
    short = ck.PetitionClocks(route_days=10, objection_workdays=3, reply_days=30)
    assert ck.last_day(ck.route_due(sh(2025, 5, 6), short)) == date(2025, 5, 16)
    assert ck.last_day(ck.objection_due(sh(2025, 9, 30), short)) == date(2025, 10, 11)
    assert ck.last_day(ck.reply_due(sh(2025, 5, 6), short)) == date(2025, 6, 5)
    with pytest.raises(ValueError):
        ck.PetitionClocks(reply_days=0)


# ----- the deadlines of a matter and the watcher ------------------------------------------------------
def kinds(m) -> dict[DeadlineKind, ck.Deadline]:
    return {d.kind: d for d in m.deadlines()}


def test_deadlines_follow_the_matter() -> None:
    m = register(now=sh(2025, 5, 6))
    assert set(kinds(m)) == {K.route}
    m.assign(department=DEPT, mode="assign", signed_by="u-leader", actor=OFFICER, now=sh(2025, 5, 10))
    d = kinds(m)
    assert set(d) == {K.route, K.acceptance_notice, K.objection}
    assert d[K.route].met_on_time is True and d[K.acceptance_notice].met_on_time is None
    m.accept(actor=HANDLER, now=sh(2025, 5, 30))  # after the 15-day notice period (25 May)
    d = kinds(m)
    assert d[K.acceptance_notice].met_on_time is False
    assert d[K.reply].last_day == date(2025, 7, 29)


def test_watcher_announces_each_deadline_once() -> None:
    clock = Clock(sh(2025, 5, 6, 9))
    m = register(now=clock.now)  # route due at the end of 21 May
    assert m.flag_deadlines(clock.advance(days=10)) == []  # 16 May: more than 3 days left
    first = m.flag_deadlines(clock.advance(days=3))  # 19 May
    assert [(a.kind, a.level) for a in first] == [(K.route, AlertLevel.approaching)]
    assert m.flag_deadlines(clock.advance(hours=5)) == []  # same deadline, already announced
    over = m.flag_deadlines(clock.advance(days=3))  # 22 May 14:00
    assert [(a.kind, a.level) for a in over] == [(K.route, AlertLevel.overdue)]
    assert m.flag_deadlines(clock.advance(days=1)) == []
    kinds_emitted = [type(e) for e in m.events]
    assert kinds_emitted.count(ev.DeadlineApproaching) == 1 and kinds_emitted.count(ev.DeadlineOverdue) == 1


def test_alert_keys_are_stable_across_restarts() -> None:
    m = register(now=sh(2025, 5, 6, 9))
    raised = {a.key for a in m.flag_deadlines(sh(2025, 5, 23))}
    assert raised == {"route:overdue:2025-05-22T00:00:00+08:00"}
    # A restarted watcher loads the matter with the keys it stored: nothing is announced again.
    again = register(now=sh(2025, 5, 6, 9))
    again.alerts_raised = set(raised)
    assert again.flag_deadlines(sh(2025, 5, 24)) == []
    assert again.due_alerts(sh(2025, 5, 24))[0].key in raised


def test_watcher_on_late_start_reports_overdue_only() -> None:
    m = register(now=sh(2025, 5, 6, 9))
    alerts = m.flag_deadlines(sh(2025, 6, 30))
    assert [(a.kind, a.level) for a in alerts] == [(K.route, AlertLevel.overdue)]


def test_extension_makes_a_new_reply_deadline() -> None:
    m = accepted(now=sh(2025, 5, 6, 9))  # accepted 8 May: reply due end of 7 Jul
    first = m.flag_deadlines(sh(2025, 7, 5))
    assert [(a.kind, a.level) for a in first] == [(K.reply, AlertLevel.approaching)]
    m.extend(days=30, reason="需现场勘查", approved_by="u-head", actor=HANDLER, now=sh(2025, 7, 5, 10))
    assert m.due_alerts(sh(2025, 7, 6)) == []
    second = m.flag_deadlines(sh(2025, 8, 4))
    assert [(a.kind, a.due_at) for a in second] == [(K.reply, sh(2025, 8, 7, 0))]


def test_objection_window_warns_but_is_never_overdue() -> None:
    m = assigned(now=sh(2025, 9, 29, 9))  # assigned 30 Sep; window ends 14 Oct
    assert (K.objection, AlertLevel.approaching) in [
        (a.kind, a.level) for a in m.due_alerts(sh(2025, 10, 12))
    ]
    late = [(a.kind, a.level) for a in m.due_alerts(sh(2025, 10, 16))]
    assert (K.objection, AlertLevel.overdue) not in late
    assert (K.acceptance_notice, AlertLevel.overdue) in late  # 30 Sep + 15 days = 15 Oct


def test_review_decision_clocks() -> None:
    m = replied(now=sh(2025, 5, 6, 9))  # replied 26 May
    m.request_review(reason="不服", actor=PERSON, now=sh(2025, 6, 1))
    assert [(a.kind, a.level) for a in m.due_alerts(sh(2025, 7, 2))] == [
        (K.review_decision, AlertLevel.overdue)
    ]
    m.decide_review(outcome="upheld", opinion="维持", actor=LEADER, now=sh(2025, 7, 3))
    assert m.due_alerts(sh(2025, 7, 4)) == []
    m.request_re_review(reason="不服", actor=PERSON, now=sh(2025, 7, 10))
    assert [a.kind for a in m.due_alerts(sh(2025, 8, 8))] == [K.re_review_decision]
    assert kinds(m)[K.review_decision].met_on_time is False


def test_return_restarts_the_route_clock() -> None:
    m = assigned(now=sh(2025, 5, 6, 9))
    m.raise_objection(reason="非本部门", actor=HANDLER, now=sh(2025, 5, 9))
    d = kinds(m)
    assert set(d) == {K.route} and d[K.route].last_day == date(2025, 5, 24)


def test_linked_repeat_has_no_clocks() -> None:
    from uuid import uuid4

    m = register(repeat_of=uuid4())
    assert m.status is MatterStatus.linked and m.deadlines() == []
    assert m.flag_deadlines(sh(2026, 1, 1)) == []


# ----- 督办 (§40) ----------------------------------------------------------------------------------
def test_supervision_only_on_overdue_matters() -> None:
    from .factories import SUPERVISOR

    m = register(now=sh(2025, 5, 6, 9))
    with pytest.raises(InvalidInput) as err:
        m.supervise(actor=SUPERVISOR, now=sh(2025, 5, 20), note="请加快")
    assert err.value.rule == "overdue_only"
    m.supervise(actor=SUPERVISOR, now=sh(2025, 5, 23), note="请三日内转送")
    assert m.supervisions[0].overdue == (K.route,) and m.status is MatterStatus.registered
    event = m.events[-1]
    assert isinstance(event, ev.MatterSupervised) and event.supervisor == SUPERVISOR.user_id
    assert m.audit[-1].action == "supervise"


def test_only_county_supervisors_supervise() -> None:
    from minqing_kit.errors import Forbidden

    m = register(now=sh(2025, 5, 6, 9))
    with pytest.raises(Forbidden):
        m.supervise(actor=OFFICER, now=sh(2025, 5, 23))
