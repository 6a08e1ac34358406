from __future__ import annotations

from datetime import timedelta

from services.safety.domain import events as ev
from services.safety.domain.overdue import overdue_hazards, overdue_key

from .factories import at, hazard, kinds

DEADLINE = at(days=10)
JUST = timedelta(microseconds=1)


def test_overdue_strictly_after_the_deadline() -> None:
    hz = hazard(deadline=DEADLINE)
    assert not hz.is_overdue(DEADLINE)
    assert hz.is_overdue(DEADLINE + JUST)
    assert overdue_hazards([hz], DEADLINE) == []
    assert overdue_hazards([hz], DEADLINE + JUST) == [hz]


def test_reported_by_the_deadline_is_not_overdue_while_awaiting_reinspection() -> None:
    in_time, late = hazard(deadline=DEADLINE), hazard(deadline=DEADLINE)
    in_time.report_rectification(["done"], actor="ent", now=DEADLINE)
    late.report_rectification(["done"], actor="ent", now=DEADLINE + JUST)
    assert overdue_hazards([in_time, late], at(days=20)) == [late]


def test_failed_reinspection_after_deadline_is_overdue_even_if_reported_in_time() -> None:
    hz = hazard(deadline=DEADLINE)
    hz.report_rectification(["done"], actor="ent", now=at(days=9))
    hz.reinspect(False, actor="i", now=at(days=11))
    assert hz.is_overdue(at(days=11))


def test_closed_hazard_is_never_overdue() -> None:
    hz = hazard(deadline=DEADLINE)
    hz.report_rectification(["done"], actor="ent", now=at(days=12))
    hz.reinspect(True, actor="i", now=at(days=13))
    assert not hz.is_overdue(at(days=30))


def test_mark_overdue_emits_once_per_hazard() -> None:
    hz = hazard(deadline=DEADLINE)
    assert hz.mark_overdue(at(days=9)) is False
    assert hz.mark_overdue(at(days=11)) is True
    assert hz.mark_overdue(at(days=12)) is False
    assert kinds(hz.events).count("HazardOverdue") == 1
    overdue = hz.events[-1]
    assert isinstance(overdue, ev.HazardOverdue) and overdue.occurred_at == at(days=11)
    assert overdue_hazards([hz], at(days=12)) == []


def test_stored_key_suppresses_a_second_notice_after_restart() -> None:
    """A restarted watcher sees a freshly loaded hazard (no flag) but the stored key."""
    a, b = hazard(deadline=DEADLINE), hazard(deadline=at(days=8))
    stored = {overdue_key(a.id)}
    assert overdue_hazards([a, b], at(days=11), already_notified=stored) == [b]
    assert overdue_key(a.id) == overdue_key(a.id) != overdue_key(b.id)
    assert str(a.id) in overdue_key(a.id)


def test_earliest_deadline_first() -> None:
    late, early = hazard(deadline=at(days=9)), hazard(deadline=at(days=5))
    assert overdue_hazards([late, early], at(days=20)) == [early, late]
