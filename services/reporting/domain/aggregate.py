"""A batch of events' facts summed in memory, keyed exactly as the read-model tables are, so the
adapter writes one row per key with one statement per table (ingest must keep up with a replay).

Amounts are summed as `Decimal` rounded to 6 places: exact, so the totals do not depend on how the
events were cut into batches (a replay equals the live model row for row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .facts import Facts, Mark, bucket_for

ZERO = Decimal(0)
_Q = Decimal("0.000001")

DeltaKey = tuple[str, str, str, str, date]  # metric, township, village ('' = none), dimension, day
MonthKey = tuple[str, str, str, date]  # metric, township, dimension, first day of month
SampleKey = tuple[str, str, str, date, float]  # metric, township, dimension, day, bucket
SampleMonthKey = tuple[str, str, str, date, float]  # metric, township, dimension, month, bucket
PresenceKey = tuple[str, str, date, str]  # metric, township, day, key


_MONTHS: dict[date, date] = {}


def month_of(day: date) -> date:
    """The first day of `day`'s month (memoised: called for every fact of every event)."""
    month = _MONTHS.get(day)
    if month is None:
        month = _MONTHS[day] = day.replace(day=1)
    return month


_EXACT: dict[float, Decimal] = {}
_EXACT_MAX = 100_000


def exact(amount: float) -> Decimal:
    """`amount` as a Decimal to 6 places (memoised, up to `_EXACT_MAX` amounts: most repeat — hours of
    whole minutes, headcounts, stars — and the conversion costs a microsecond)."""
    money = _EXACT.get(amount)
    if money is None:
        money = ZERO if not amount else Decimal(repr(amount)).quantize(_Q)
        if len(_EXACT) < _EXACT_MAX:
            _EXACT[amount] = money
    return money


@dataclass
class Aggregate:
    deltas: dict[DeltaKey, list[int | Decimal]] = field(default_factory=dict)
    monthly: dict[MonthKey, list[int | Decimal]] = field(default_factory=dict)
    samples: dict[SampleKey, int] = field(default_factory=dict)
    samples_monthly: dict[SampleMonthKey, int] = field(default_factory=dict)
    marks: dict[tuple[str, str], Mark] = field(default_factory=dict)
    presences: set[PresenceKey] = field(default_factory=set)
    events: int = 0

    def add(self, facts: Facts) -> None:
        self.events += 1
        for d in facts.deltas:
            self.delta(d.metric, d.township, d.village, d.dimension, d.day, d.count, d.amount)
        for s in facts.samples:
            self.sample(s.metric, s.township, s.dimension, s.day, s.value)
        for mark in facts.marks:
            self.mark(mark)
        for p in facts.presences:
            self.presences.add((p.metric, p.township, p.day, p.key))

    # One fact at a time: what `add` does for each, and what `projection.project_into` calls directly
    # (no `Facts` in between: the ingest's hot path; its commonest facts, a count of one and a close,
    # it sums into these tables itself, as `delta` and `mark` would).
    def delta(self, metric: str, township: str, village: str | None, dimension: str, day: date, count: int,
              amount: float) -> None:
        money = exact(amount) if amount else ZERO
        key = (metric, township, village or "", dimension, day)
        row = self.deltas.get(key)
        if row is None:
            self.deltas[key] = [count, money]
        else:
            row[0] += count
            row[1] += money
        month = _MONTHS.get(day) or month_of(day)
        mkey = (metric, township, dimension, month)
        row = self.monthly.get(mkey)
        if row is None:
            self.monthly[mkey] = [count, money]
        else:
            row[0] += count
            row[1] += money

    def sample(self, metric: str, township: str, dimension: str, day: date, minutes: float) -> None:
        bucket = bucket_for(minutes)
        k1 = (metric, township, dimension, day, bucket)
        self.samples[k1] = self.samples.get(k1, 0) + 1
        k2 = (metric, township, dimension, _MONTHS.get(day) or month_of(day), bucket)
        self.samples_monthly[k2] = self.samples_monthly.get(k2, 0) + 1

    def mark(self, mark: Mark) -> None:
        # Latest `at` wins; on a tie the later event in stream order wins (as the SQL upsert does).
        key = (mark.metric, mark.key)
        current = self.marks.get(key)
        if current is None or current.at <= mark.at:
            self.marks[key] = mark

    def __bool__(self) -> bool:
        return bool(self.deltas or self.samples or self.marks or self.presences)
