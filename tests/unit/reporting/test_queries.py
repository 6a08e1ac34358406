"""The reads fetch only what the figures use: every counter `figure_values`, the dashboard and the
ranking read is fetched, split by dimension where they split it, so the published values are those of
the whole read model."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date, timedelta

import pytest

from services.reporting.adapters.readmodel import ReadModel, split_period
from services.reporting.domain import metrics as m
from services.reporting.domain import ranking as rk
from services.reporting.service_layer import queries as q

EVERY_METRIC = sorted(v for k, v in vars(m).items() if k.isupper() and isinstance(v, str))
TOWNSHIP = "990102001000"


def _rows(seed: int) -> list[tuple[str, str, int, float]]:
    """Counter rows (metric, dimension, count, amount) for every metric, several dimensions each."""
    rng = random.Random(seed)
    return [(metric, dim, rng.randint(0, 40), rng.randint(0, 10_000) / 100)
            for metric in EVERY_METRIC for dim in ("", "a", "b", "c")[:rng.randint(1, 4)]]


def _opens(seed: int) -> list[tuple[str, str, int]]:
    rng = random.Random(seed)
    return [(metric, dim, rng.randint(0, 9)) for metric in q.MARK_METRICS for dim in ("x", "y")]


def _everything(seed: int) -> q.ScopeData:
    """The whole read model's counters for a scope, every metric split by dimension."""
    d = q.ScopeData(split=frozenset(EVERY_METRIC))
    for metric, dim, count, amount in _rows(seed):
        d.add(metric, dim, count, amount)
    for metric, dim, n in _opens(seed):
        d.add_open(metric, dim, n)
    d.buckets[m.V_MINUTES_TO_DISPATCH][30.0] = 4
    d.active_teams = 3
    return d


def _as_fetched(seed: int, metrics: tuple[str, ...], split: frozenset[str]) -> q.ScopeData:
    """The same, as `ReadModel.counters`/`open_counts` return it: only `metrics`, the dimension kept for
    `split` only (the others summed, dimension ''); open keys likewise with `OPEN_BY_DIMENSION`."""
    d = q.ScopeData(split=split)
    for metric, dim, count, amount in _rows(seed):
        if metric in metrics:
            d.add(metric, dim if metric in split else "", count, amount)
    for metric, dim, n in _opens(seed):
        d.add_open(metric, dim if metric in q.OPEN_BY_DIMENSION else "", n)
    d.buckets[m.V_MINUTES_TO_DISPATCH][30.0] = 4
    d.active_teams = 3
    return d


@pytest.mark.parametrize("seed", range(5))
def test_figures_from_the_fetched_counters_equal_those_from_all_counters(seed: int) -> None:
    assert q.figure_values(_as_fetched(seed, q.COUNTERS, q.BY_DIMENSION)) == q.figure_values(_everything(seed))


def test_the_dashboard_counters_are_fetched() -> None:
    assert {m.V_COMPLETED, m.P_RECEIVED} <= set(q.COUNTERS)


class _Recording(Mapping[str, float]):
    """Totals that remember which metrics were read."""

    def __init__(self) -> None:
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> float:
        self.read.add(key)
        return 1.0

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_the_score_reads_only_the_ranking_counters_and_they_are_fetched() -> None:
    totals = _Recording()
    rk.TownshipFigures.from_totals(TOWNSHIP, totals)
    assert totals.read <= set(rk.COUNTERS)
    assert rk.ACCIDENTS_BY in rk.COUNTERS
    assert set(rk.COUNTERS) <= set(q.COUNTERS)  # the dashboard ranks from the figures' counters


@pytest.mark.parametrize("seed", range(5))
def test_ranking_inputs_from_the_fetched_counters_equal_those_from_all_counters(seed: int) -> None:
    full, fetched = _everything(seed), _as_fetched(seed, rk.COUNTERS, frozenset({rk.ACCIDENTS_BY}))
    assert rk.TownshipFigures.from_totals(TOWNSHIP, fetched.totals(), fetched.by(rk.ACCIDENTS_BY)) == \
        rk.TownshipFigures.from_totals(TOWNSHIP, full.totals(), full.by(rk.ACCIDENTS_BY))


def test_a_split_read_of_a_counter_fetched_as_a_total_is_refused() -> None:
    d = q.ScopeData(split=frozenset({rk.ACCIDENTS_BY}))
    d.add(m.V_REQUESTS, "", 3, 0.0)
    assert d.c(m.V_REQUESTS) == 3
    with pytest.raises(ValueError, match="summed over its dimension"):
        d.by(m.V_REQUESTS)
    with pytest.raises(ValueError, match="OPEN_BY_DIMENSION"):
        d.o_by(m.P_OPEN)


# ----- partial months: own days, or the month minus its other days ----------------------------------

def _read_days(months: list[date], plus: list[date], minus: list[date]) -> Counter[date]:
    days: Counter[date] = Counter()
    for month in months:
        day = month
        while day.month == month.month:
            days[day] += 1
            day += timedelta(days=1)
    days.update(plus)
    days.subtract(minus)
    return +days


@pytest.mark.parametrize(("first", "last", "months", "plus", "minus"), [
    (date(2025, 1, 1), date(2025, 1, 15), 0, 15, 0),  # half a month or less: its own days
    (date(2025, 1, 15), date(2025, 1, 31), 1, 0, 14),  # more: the month minus the other days
    (date(2025, 2, 2), date(2025, 2, 28), 1, 0, 1),
    (date(2025, 1, 20), date(2025, 2, 10), 0, 22, 0),  # two partial months in one range
    (date(2025, 1, 5), date(2025, 2, 25), 2, 0, 7),
])
def test_edges_read_at_most_half_a_month_of_days(first: date, last: date, months: int, plus: int, minus: int) -> None:
    got = ReadModel._edges([(first, last)])
    assert (len(got[0]), len(got[1]), len(got[2])) == (months, plus, minus)
    assert _read_days(*got) == Counter(ReadModel._days(first, last))


@pytest.mark.parametrize("seed", range(20))
def test_every_day_range_is_read_exactly_once(seed: int) -> None:
    rng = random.Random(seed)
    start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))
    end = start + timedelta(days=rng.randint(0, 400))
    months, ranges = split_period(start, end)
    more, plus, minus = ReadModel._edges(ranges)
    assert _read_days(months + more, plus, minus) == Counter(ReadModel._days(start, end))
    assert len(plus) + len(minus) <= 32
