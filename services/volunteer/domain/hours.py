"""Service-hour arithmetic: spans of actual service, minutes per volunteer, overlap checks.

Hours are actual service time with travel excluded (《志愿服务记录与证明出具办法》), so a span is what
the close-out report states and its length is the credit. Minutes (int) are the unit of record;
hours with one decimal are only for display and certificates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from minqing_kit.errors import Conflict, InvalidInput

from ._guards import require_aware
from .enums import HoursSource
from .events import HoursRecorded

SPANS = "spans"


@dataclass(frozen=True)
class ServiceSpan:
    """One volunteer serving from `start` to `end` (half-open: [start, end))."""

    volunteer_id: UUID
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, SPANS)
        require_aware(self.end, SPANS)
        if self.end <= self.start:
            raise InvalidInput(
                "服务结束时间须晚于开始时间 (a span must end after it starts)",
                field=SPANS,
                rule="end_after_start",
            )
        if self.minutes < 1:
            raise InvalidInput(
                "服务时长至少 1 分钟 (a span must last at least one minute)", field=SPANS, rule="min_1_minute"
            )

    @property
    def minutes(self) -> int:
        # Whole minutes, rounded down: a record never credits time that was not served.
        return int((self.end - self.start).total_seconds() // 60)

    def overlaps(self, other: ServiceSpan) -> bool:
        """Same volunteer and intersecting time; touching ends (10:00–11:00, 11:00–12:00) do not overlap."""
        return self.volunteer_id == other.volunteer_id and self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Period:
    """A half-open reporting period [start, end), e.g. a month or a year."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, "period")
        require_aware(self.end, "period")
        if self.end <= self.start:
            raise InvalidInput(
                "统计期结束须晚于开始 (period must end after it starts)",
                field="period",
                rule="end_after_start",
            )

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


def hours_display(minutes: int) -> Decimal:
    """Minutes as hours with one decimal, half up (95 min → 1.6)."""
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def total_minutes(spans: Iterable[ServiceSpan]) -> int:
    return sum(span.minutes for span in spans)


def minutes_by_volunteer(spans: Iterable[ServiceSpan]) -> dict[UUID, int]:
    totals: dict[UUID, int] = defaultdict(int)
    for span in spans:
        totals[span.volunteer_id] += span.minutes
    return dict(totals)


def check_window(spans: Iterable[ServiceSpan], *, not_before: datetime | None, now: datetime) -> None:
    """Spans lie inside the service: not before it started, not after `now` (no future credit)."""
    for span in spans:
        if not_before is not None and span.start < not_before:
            raise InvalidInput(
                "服务时段早于服务开始时间 (a span starts before the service started)",
                field=SPANS,
                rule="within_service_window",
            )
        if span.end > now:
            raise InvalidInput(
                "服务时段不能晚于当前时间 (a span cannot end in the future)",
                field=SPANS,
                rule="not_in_future",
            )


def find_overlap(
    new: Iterable[ServiceSpan], existing: Iterable[ServiceSpan] = ()
) -> tuple[ServiceSpan, ServiceSpan] | None:
    """First pair of overlapping spans of one volunteer, among `new` and between `new` and `existing`."""
    by_volunteer: dict[UUID, list[ServiceSpan]] = defaultdict(list)
    for span in existing:
        by_volunteer[span.volunteer_id].append(span)
    for span in new:
        mine = by_volunteer[span.volunteer_id]
        for other in mine:
            if span.overlaps(other):
                return other, span
        mine.append(span)
    return None


def ensure_no_overlap(new: Iterable[ServiceSpan], existing: Iterable[ServiceSpan] = ()) -> None:
    """A volunteer cannot be in two places at once, whichever request or activity recorded the time."""
    clash = find_overlap(new, existing)
    if clash is not None:
        first, second = clash
        raise Conflict(
            f"志愿者 {second.volunteer_id} 的服务时段重叠 (overlapping spans for volunteer {second.volunteer_id}):"
            f" {first.start.isoformat()}–{first.end.isoformat()} / {second.start.isoformat()}–{second.end.isoformat()}",
            field=SPANS,
            rule="no_overlap_per_volunteer",
        )


def hours_recorded_events(
    spans: Iterable[ServiceSpan],
    *,
    source: HoursSource,
    source_id: UUID,
    team_id: UUID | None,
    township_code: str,
    recorded_by: str,
    now: datetime,
) -> list[HoursRecorded]:
    """One HoursRecorded per volunteer (their minutes in this source), in order of first appearance."""
    spans = tuple(spans)
    return [
        HoursRecorded(
            occurred_at=now,
            volunteer_id=volunteer_id,
            team_id=team_id,
            source=source,
            source_id=source_id,
            township_code=township_code,
            minutes=minutes,
            served_at=min(s.start for s in spans if s.volunteer_id == volunteer_id),
            recorded_by=recorded_by,
        )
        for volunteer_id, minutes in minutes_by_volunteer(spans).items()
    ]
