"""Statutory clocks of a matter (《信访工作条例》§22, 23, 34–36) and the alerts a watcher raises.

How a period is counted (the choice every function here follows):
- "N days" are calendar days. The day of the starting act is not counted (《民法典》§201), so the
  period runs from the next day, and the deadline is the end of day N: 24:00 Asia/Shanghai.
  `due_at` is that instant (00:00 of the following day); an act is on time when it happens
  strictly before `due_at`. `Deadline.last_day` gives the date to print on notices.
- "N working days" (the 5-day objection window) skip weekends and statutory holidays and count
  adjusted working weekends (调休), from `minqing_kit.workdays` (the county's calendar, injected).
- A deadline whose date depended on a year the calendar does not know yet (the State Council's notice
  not out or not entered) is *provisional*: counted Monday–Friday for now, and recomputed when the
  year is entered (`Deadline.pending_years`, `provisional_note`). Only working-day periods, and
  calendar periods when `roll_over_rest_days`, consult the calendar; the others are never provisional.
- By default a calendar period ending on a rest day is not extended, so the watcher warns early;
  `roll_over_rest_days=True` applies 《民法典》§203 (the period ends on the next working day).
- China has had one offset (UTC+8, no daylight saving) since 1991, so a fixed offset is exact and
  needs no tz database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol

from minqing_kit.workdays import WorkdayCalendar

from .enums import AlertLevel, DeadlineKind, MatterStatus

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class PetitionClocks:
    """Period lengths, configurable because a province may shorten them or the law may change."""

    route_days: int = 15  # §22 register → transfer/assign
    acceptance_notice_days: int = 15  # §23 assignment → tell the person whether accepted
    objection_workdays: int = 5  # §23 assignment → objection that the matter is outside the remit
    reply_days: int = 60  # §34 acceptance → written reply
    max_extension_days: int = 30  # §34
    review_request_days: int = 30  # §35 reply → request for 复查
    review_decision_days: int = 30  # §35
    re_review_request_days: int = 30  # §36 复查 decision → request for 复核
    re_review_decision_days: int = 30  # §36
    approaching_days: int = 3  # warn this many days before a deadline
    rating_days: int | None = None  # rating window after the reply; not fixed by law, None = open
    roll_over_rest_days: bool = False
    calendar: WorkdayCalendar = field(default_factory=WorkdayCalendar)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int) and not isinstance(value, bool) and value < 1:
                raise ValueError(f"{f.name} must be at least 1, got {value}")


class ClockedMatter(Protocol):
    """What the clocks read of a matter: its status, periods and the instants that start or stop them.

    (The matter aggregate satisfies it; the clocks need nothing else, and import nothing of it.)
    """

    @property
    def status(self) -> MatterStatus: ...
    @property
    def clocks(self) -> PetitionClocks: ...
    @property
    def routing_started_at(self) -> datetime: ...
    @property
    def assigned_at(self) -> datetime | None: ...
    @property
    def accepted_at(self) -> datetime | None: ...
    @property
    def extension_days(self) -> int: ...
    @property
    def replied_at(self) -> datetime | None: ...
    @property
    def review_requested_at(self) -> datetime | None: ...
    @property
    def review_decided_at(self) -> datetime | None: ...
    @property
    def re_review_requested_at(self) -> datetime | None: ...
    @property
    def re_review_decided_at(self) -> datetime | None: ...


def local_date(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def last_day(due_at: datetime) -> date:
    """The Shanghai date a deadline falls on (the day `due_at` closes)."""
    return local_date(due_at - timedelta(microseconds=1))


def end_of(day: date) -> datetime:
    """The instant the given Shanghai day ends (24:00, i.e. 00:00 of the next day)."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)


def after_days(start: datetime, days: int, clocks: PetitionClocks) -> datetime:
    """End of the `days`-th calendar day after the day of `start`."""
    last = local_date(start) + timedelta(days=days)
    if clocks.roll_over_rest_days:
        while not clocks.calendar.is_workday(last):
            last += timedelta(days=1)
    return end_of(last)


def _consulted(first: date, last: date, clocks: PetitionClocks) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(years whose schedule a date counted over [first, last] depends on, those the calendar lacks)."""
    years = tuple(range(first.year, last.year + 1))
    return years, clocks.calendar.missing_years(first, last)


def calendar_period_years(start: datetime, days: int, clocks: PetitionClocks,
                          due_at: datetime) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Years a calendar-day period consulted: only the rest days it rolled over (if it rolls at all)."""
    if not clocks.roll_over_rest_days:
        return (), ()
    return _consulted(local_date(start) + timedelta(days=days), last_day(due_at), clocks)


def workday_period_years(start: datetime, due_at: datetime,
                         clocks: PetitionClocks) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Years a working-day period consulted: every day after the start up to its last day."""
    return _consulted(local_date(start) + timedelta(days=1), last_day(due_at), clocks)


def provisional_note(years: tuple[int, ...]) -> str:
    """What a view prints beside a provisional deadline."""
    names = "、".join(f"{y}年" for y in years)
    return f"暂按常规工作日计算，待国务院公布{names}节假日安排后重算"


def route_due(registered_at: datetime, clocks: PetitionClocks) -> datetime:
    return after_days(registered_at, clocks.route_days, clocks)


def acceptance_notice_due(assigned_at: datetime, clocks: PetitionClocks) -> datetime:
    return after_days(assigned_at, clocks.acceptance_notice_days, clocks)


def objection_due(assigned_at: datetime, clocks: PetitionClocks) -> datetime:
    return end_of(clocks.calendar.add_workdays(local_date(assigned_at), clocks.objection_workdays))


def reply_due(accepted_at: datetime, clocks: PetitionClocks, extension_days: int = 0) -> datetime:
    return after_days(accepted_at, clocks.reply_days + extension_days, clocks)


def review_request_until(replied_at: datetime, clocks: PetitionClocks) -> datetime:
    return after_days(replied_at, clocks.review_request_days, clocks)


def review_decision_due(requested_at: datetime, clocks: PetitionClocks) -> datetime:
    return after_days(requested_at, clocks.review_decision_days, clocks)


def re_review_request_until(review_decided_at: datetime, clocks: PetitionClocks) -> datetime:
    return after_days(review_decided_at, clocks.re_review_request_days, clocks)


def re_review_decision_due(requested_at: datetime, clocks: PetitionClocks) -> datetime:
    return after_days(requested_at, clocks.re_review_decision_days, clocks)


def rating_until(replied_at: datetime, clocks: PetitionClocks) -> datetime | None:
    return None if clocks.rating_days is None else after_days(replied_at, clocks.rating_days, clocks)


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    due_at: datetime  # exclusive: met when the act happens before this instant
    satisfied_at: datetime | None = None
    depends_on: tuple[int, ...] = ()  # years whose holiday schedule the date was counted with
    pending_years: tuple[int, ...] = ()  # of those, the years the calendar does not know yet

    @property
    def last_day(self) -> date:
        return last_day(self.due_at)

    @property
    def provisional(self) -> bool:
        """Counted Monday–Friday over a year whose schedule is unknown: it may move when it is entered."""
        return bool(self.pending_years)

    @property
    def note(self) -> str | None:
        return provisional_note(self.pending_years) if self.pending_years else None

    @property
    def met_on_time(self) -> bool | None:
        """None while open; then whether the act came before the deadline (for on-time rates)."""
        return None if self.satisfied_at is None else self.satisfied_at < self.due_at


#: Windows the department may use, not duties it can fail: they warn, but are never overdue.
WINDOWS = frozenset({DeadlineKind.objection})


def deadlines(matter: ClockedMatter) -> list[Deadline]:
    """The statutory deadlines of the matter's current routing round, open or met.

    After an objection the matter starts a new round: the route clock restarts from the return,
    and the previous department's clocks are gone (its facts are in the events).
    """
    if matter.status is MatterStatus.linked:
        return []
    c = matter.clocks

    def days(kind: DeadlineKind, start: datetime, n: int, satisfied: datetime | None) -> Deadline:
        due = after_days(start, n, c)
        return Deadline(kind, due, satisfied, *calendar_period_years(start, n, c, due))

    out = [days(DeadlineKind.route, matter.routing_started_at, c.route_days, matter.assigned_at)]
    if matter.assigned_at is not None:
        out.append(days(DeadlineKind.acceptance_notice, matter.assigned_at, c.acceptance_notice_days,
                        matter.accepted_at))
        due = objection_due(matter.assigned_at, c)
        out.append(Deadline(DeadlineKind.objection, due, matter.accepted_at,
                            *workday_period_years(matter.assigned_at, due, c)))
    if matter.accepted_at is not None:
        out.append(days(DeadlineKind.reply, matter.accepted_at, c.reply_days + matter.extension_days,
                        matter.replied_at))
    if matter.review_requested_at is not None:
        out.append(days(DeadlineKind.review_decision, matter.review_requested_at, c.review_decision_days,
                        matter.review_decided_at))
    if matter.re_review_requested_at is not None:
        out.append(days(DeadlineKind.re_review_decision, matter.re_review_requested_at,
                        c.re_review_decision_days, matter.re_review_decided_at))
    return out


@dataclass(frozen=True)
class DueAlert:
    """One deadline that is approaching or overdue at the instant asked about."""

    kind: DeadlineKind
    level: AlertLevel
    due_at: datetime

    @property
    def key(self) -> str:
        """Stable name of this alert: a watcher stores it and never emits the same key twice.

        The due instant is part of the name, so a deadline that moves (an extension, a new routing
        round after an objection) is a new deadline and is announced again; one that does not move
        keeps its name across restarts.
        """
        return f"{self.kind.value}:{self.level.value}:{self.due_at.astimezone(SHANGHAI).isoformat()}"


def due_alerts(matter: ClockedMatter, now: datetime) -> list[DueAlert]:
    """Open deadlines that are overdue at `now`, or within `approaching_days` of falling due."""
    warn = timedelta(days=matter.clocks.approaching_days)
    alerts: list[DueAlert] = []
    for d in deadlines(matter):
        if d.satisfied_at is not None:
            continue
        if now >= d.due_at:
            if d.kind not in WINDOWS:
                alerts.append(DueAlert(d.kind, AlertLevel.overdue, d.due_at))
        elif now >= d.due_at - warn:
            alerts.append(DueAlert(d.kind, AlertLevel.approaching, d.due_at))
    return alerts


def open_deadline(matter: ClockedMatter, kind: DeadlineKind) -> Deadline | None:
    return next((d for d in deadlines(matter) if d.kind is kind and d.satisfied_at is None), None)
