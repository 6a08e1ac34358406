"""A batch of events' facts summed in memory, keyed exactly as the read-model tables are, so the
adapter writes one row per key with one statement per table (ingest must keep up with a replay).

Amounts are summed as `Decimal` rounded to 6 places: exact, so the totals do not depend on how the
events were cut into batches (a replay equals the live model row for row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .facts import Facts, Mark

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


def exact(amount: float) -> Decimal:
    return ZERO if not amount else Decimal(repr(amount)).quantize(_Q)


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
            amount = exact(d.amount)
            for table, key in ((self.deltas, (d.metric, d.township, d.village or "", d.dimension, d.day)),
                               (self.monthly, (d.metric, d.township, d.dimension, month_of(d.day)))):
                row = table.get(key)  # type: ignore[attr-defined,arg-type]
                if row is None:
                    table[key] = [d.count, amount]  # type: ignore[index]
                else:
                    row[0] += d.count
                    row[1] += amount
        for s in facts.samples:
            bucket = s.bucket
            k1 = (s.metric, s.township, s.dimension, s.day, bucket)
            self.samples[k1] = self.samples.get(k1, 0) + 1
            k2 = (s.metric, s.township, s.dimension, month_of(s.day), bucket)
            self.samples_monthly[k2] = self.samples_monthly.get(k2, 0) + 1
        for mark in facts.marks:
            # Latest `at` wins; on a tie the later event in stream order wins (as the SQL upsert does).
            current = self.marks.get((mark.metric, mark.key))
            if current is None or current.at <= mark.at:
                self.marks[(mark.metric, mark.key)] = mark
        for p in facts.presences:
            self.presences.add((p.metric, p.township, p.day, p.key))

    def __bool__(self) -> bool:
        return bool(self.deltas or self.samples or self.marks or self.presences)
