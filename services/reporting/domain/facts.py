"""The records a projected event turns into, and the day an event belongs to.

An adapter stores them in pre-aggregated tables, so a figure is a sum over a few rows, never a scan of
raw events:

- `Delta`: add `count` and `amount` to the daily counter (metric, township, village, dimension, day).
- `Sample`: one duration observation; the adapter adds 1 to its histogram bucket (`bucket_for`).
- `Mark`: a keyed open/closed state (an open matter, an overdue deadline, a suspended enterprise);
  "now" figures count the open keys, and lists show them with their `attrs` (category, department...). The adapter keeps the open keys only: an open mark upserts the
  key, a close deletes it, each only over an older `at`. A key's events share one partition key, so
  they arrive in order; a redelivered event is recognised by its id and changes nothing.
- `Presence`: "this key was active on this day" (an active team); period figures count distinct keys.

They are named tuples (immutable, and built several times per event: a tuple is several times cheaper
to construct than a frozen dataclass). Days are Asia/Shanghai calendar days of the event's own time, so a late or out-of-order event lands in
the day the fact happened, not the day it arrived.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

#: China has kept UTC+8 without daylight saving since 1991; a fixed offset needs no tz database.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

#: Upper bounds (minutes, inclusive) of the duration histogram buckets; the last one is open-ended.
BUCKET_BOUNDS: tuple[float, ...] = (5, 10, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10080,
                                    float("inf"))


EIGHT_HOURS = timedelta(hours=8)


def shanghai_day(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware instant; naive datetimes are refused. (Events carry
    +08:00 times: their own date is the day, without converting.)"""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("event times must be timezone-aware")
    return moment.date() if offset == EIGHT_HOURS else moment.astimezone(SHANGHAI).date()


def bucket_for(value: float, bounds: tuple[float, ...] = BUCKET_BOUNDS) -> float:
    """The upper bound of the histogram bucket holding `value`: the first bound not below it (negative
    values go to the first, NaN to the last)."""
    return bounds[bisect_left(bounds, value)] if value == value else bounds[-1]  # NaN is not equal to itself


class Delta(NamedTuple):
    """Add `count` (and `amount`: people, yuan, hours...) to one daily counter."""

    metric: str
    township: str
    village: str | None
    dimension: str  # channel / kind / category / level / grade / department ..., "" for the total
    day: date
    count: int = 1  # type: ignore[assignment]  # a field named like tuple.count: attribute access wins
    amount: float = 0.0


class Sample(NamedTuple):
    """One duration observation in minutes, for p50/p90."""

    metric: str
    township: str
    village: str | None
    dimension: str
    day: date
    value: float

    @property
    def bucket(self) -> float:
        return bucket_for(self.value)


class Mark(NamedTuple):
    """Keyed state: `open=True` while the thing is open (overdue, suspended...), replaced by the latest `at`."""

    metric: str
    key: str
    township: str
    village: str | None
    dimension: str
    day: date
    at: datetime
    open: bool
    #: What a list shows of an open key besides its township (category, department, enterprise id, grade...):
    #: sorted (name, value) pairs of codes and ids, never personal data.
    attrs: tuple[tuple[str, str], ...] = ()


class Presence(NamedTuple):
    """`key` was active on `day`; a period's figure counts distinct keys."""

    metric: str
    key: str
    township: str
    day: date


@dataclass(frozen=True)
class Facts:
    """Everything one event contributes; empty for event types the reporting service does not use."""

    deltas: tuple[Delta, ...] = ()
    samples: tuple[Sample, ...] = ()
    marks: tuple[Mark, ...] = ()
    presences: tuple[Presence, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.deltas or self.samples or self.marks or self.presences)

    def metrics(self) -> set[str]:
        return {r.metric for group in (self.deltas, self.samples, self.marks, self.presences) for r in group}
