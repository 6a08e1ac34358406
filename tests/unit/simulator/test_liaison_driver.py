"""The demo county's stationing and visit habits (simulator/liaison.py), without I/O: most cadre-weeks meet
the seasonal minimum and some fall short; each household is visited at most once a month, a tenth missed."""

from __future__ import annotations

import random
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from simulator.liaison import MISSED_VISIT, LiaisonDriver, _Household


def driver() -> Any:
    sim = SimpleNamespace(rng=random.Random(1))
    return LiaisonDriver(sim)  # type: ignore[arg-type]


def test_cadres_habits_meet_the_minimum_mostly_and_fall_short_sometimes() -> None:
    d = driver()
    habits = [d._reliability() for _ in range(3000)]
    assert all(0.30 <= r <= 0.95 for r in habits)
    # A 5-working-day week in the 4-day season: met when at least 4 days are in the village.
    rng = random.Random(2)
    weeks = [sum(rng.random() < r for _ in range(5)) >= 4 for r in habits]
    assert 0.45 < sum(weeks) / len(weeks) < 0.80  # the 4-day season is demanding
    winter = [sum(rng.random() < r for _ in range(5)) >= 2 for r in habits]
    assert sum(winter) / len(winter) > 0.9  # 2 days from November: shortfalls are rare but present
    assert sum(winter) < len(winter)


def test_each_household_has_one_visit_day_a_month_and_a_tenth_are_missed() -> None:
    d = driver()
    homes = [_Household(f"h{i}", "990102001000", "990102001201", "c") for i in range(2000)]
    first = date(2026, 11, 1)
    planned = [d._visit_day(h, first) for h in homes]
    missed = sum(p is None for p in planned)
    assert abs(missed / len(homes) - MISSED_VISIT) < 0.03
    assert all(p is None or (p.month == 11 and 1 <= p.day <= 28) for p in planned)
    # Asked again later in the month: the same day (stable), never a second one.
    later = first + timedelta(days=10)
    assert [d._visit_day(h, later) for h in homes] == planned
    # A household first met mid-month, past its planned day, is visited that day rather than skipped.
    late_start = [d._visit_day(_Household(f"x{i}", "t", "v", "c"), date(2026, 11, 29)) for i in range(200)]
    assert all(p is None or p == date(2026, 11, 29) for p in late_start)
