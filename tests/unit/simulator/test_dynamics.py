"""The simulator's time-driven dynamics and the reconciliation's comparison, without I/O."""

from __future__ import annotations

import random
import statistics

from simulator.check import CHECKS, _same
from simulator.live import ARRIVALS_PER_DAY, DURATIONS, HOURLY, dwell_seconds, poisson

DAY = 86400.0


def test_poisson_has_the_mean_it_is_given() -> None:
    rng = random.Random(3)
    for lam in (0.05, 1.0, 8.0, 50.0):
        draws = [poisson(rng, lam) for _ in range(4000)]
        assert abs(statistics.mean(draws) - lam) < max(0.02, lam * 0.05), lam
    assert poisson(rng, 0) == 0


def test_dwell_times_are_stable_per_item_and_stage_and_within_their_ranges() -> None:
    assert dwell_seconds("m1", "accepted") == dwell_seconds("m1", "accepted")
    assert dwell_seconds("m1", "accepted") != dwell_seconds("m2", "accepted")
    for stage, (low, _mode, high, tail, (t_low, t_high)) in DURATIONS.items():
        values = [dwell_seconds(f"item-{i}", stage) for i in range(2000)]
        inside = [v for v in values if low <= v <= high]
        late = [v for v in values if t_low <= v <= t_high and v > high]
        assert len(inside) + len(late) == len(values), stage
        assert abs(len(late) / len(values) - tail) < 0.02, (stage, len(late))


def test_most_replies_come_within_the_60_day_clock_and_routing_within_15_days() -> None:
    replies = [dwell_seconds(f"m{i}", "accepted") for i in range(3000)]
    routing = [dwell_seconds(f"m{i}", "registered") for i in range(3000)]
    assert 0.93 < sum(r <= 60 * DAY for r in replies) / len(replies) < 0.97
    assert statistics.median(replies) < 25 * DAY
    assert 0.95 < sum(r <= 15 * DAY for r in routing) / len(routing) < 0.99


def test_volumes_are_a_county_s_and_office_hours_carry_most_arrivals() -> None:
    workday, restday = ARRIVALS_PER_DAY["matter"]
    assert 5 <= workday <= 15 and restday < workday  # 信访 proper: far fewer than 12345's ~90–135 a day
    office = sum(HOURLY[8:18]) / sum(HOURLY)
    assert 0.8 < office < 0.95


def test_the_comparison_treats_missing_and_zero_alike_and_sees_any_difference() -> None:
    assert _same(3, 3.0) and _same(None, 0) and _same({"a": 2, "b": 0}, {"a": 2})
    assert not _same(3, 4) and not _same({"a": 2}, {"a": 2, "b": 1}) and not _same({}, {"x": 1})
    assert len({(k, f) for k, f, _s, _q in CHECKS}) == len(CHECKS)  # each figure field compared once
