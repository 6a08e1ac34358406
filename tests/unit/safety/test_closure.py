from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import uuid4

from services.safety.domain.closure import check_closure, closure_finding
from services.safety.domain.enums import HazardLevel
from services.safety.domain.penalty import CHINA_TZ, RULES, Penalty

from .factories import enterprise, kinds

ON = date(2025, 6, 30)


def penalty(day: date, *, level: HazardLevel | None = HazardLevel.major, rule: str = "art102_unit",
            enterprise_id=None) -> Penalty:  # fmt: skip
    return Penalty(
        id=uuid4(), enterprise_id=enterprise_id or uuid4(), rule=RULES[rule], amount_yuan=10_000,
        decided_at=datetime.combine(day, time(10), CHINA_TZ), publish_due_on=day,
        hazard_id=uuid4(), hazard_level=level,
    )  # fmt: skip


def days_before(*offsets: int, **kw) -> list[Penalty]:
    return [penalty(ON - timedelta(days=n), **kw) for n in offsets]


def test_three_within_180_days_including_exactly_180() -> None:
    f = closure_finding(days_before(0, 90, 180), ON)
    assert f is not None and (f.penalties_in_window, f.window_days) == (3, 180)


def test_181_days_is_outside_the_short_window() -> None:
    assert closure_finding(days_before(0, 90, 181), ON) is None


def test_two_are_not_enough() -> None:
    assert closure_finding(days_before(0, 1), ON) is None


def test_four_within_a_year_including_exactly_one_year() -> None:
    year_ago = (ON - date(2024, 6, 30)).days  # 365
    f = closure_finding(days_before(0, 200, 300, year_ago), ON)
    assert f is not None and (f.penalties_in_window, f.window_days) == (4, 365)
    assert closure_finding(days_before(0, 200, 300, year_ago + 1), ON) is None


def test_year_window_over_a_leap_day() -> None:
    on = date(2024, 12, 31)  # a year back is 2023-12-31: 366 days
    ps = [penalty(on - timedelta(days=n)) for n in (0, 200, 300, 366)]
    f = closure_finding(ps, on)
    assert f is not None and f.window_days == 366


def test_only_major_hazard_unit_penalties_count() -> None:
    ps = days_before(0, 10) + days_before(20, level=HazardLevel.general) + days_before(30, rule="art102_person")
    assert closure_finding(ps, ON) is None
    assert closure_finding(ps + days_before(40), ON) is not None


def test_future_decisions_do_not_count() -> None:
    assert closure_finding(days_before(0, 10, -1), ON) is None


def test_check_closure_proposes_once_for_the_enterprise_only() -> None:
    ent = enterprise()
    other = days_before(0, 10, 20)
    now = datetime.combine(ON, time(12), CHINA_TZ)
    assert check_closure(ent, other, now=now) is None  # another enterprise's penalties
    own = days_before(0, 10, 20, enterprise_id=ent.id)
    assert check_closure(ent, own, now=now) is not None
    check_closure(ent, own + days_before(30, enterprise_id=ent.id), now=now + timedelta(days=1))
    assert kinds(ent.events).count("ClosureProposed") == 1
    e = ent.events[-1]
    assert (e.penalties_in_window, e.window_days) == (3, 180)
