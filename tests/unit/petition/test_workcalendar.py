"""The county's holiday calendar without I/O: the seed, a year's checks, provisional deadlines, recounting."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import chinese_calendar
import pytest

from minqing_kit.errors import InvalidInput
from minqing_kit.workdays import (
    CalendarNotCovered,
    DayKind,
    SpecialDay,
    WorkdayCalendar,
    builtin_years,
    freeze,
)
from services.petition.adapters.repository import calendar_columns
from services.petition.domain import clocks as ck
from services.petition.domain import events as ev
from services.petition.domain.enums import DeadlineKind
from services.petition.domain.matter import Matter
from services.petition.domain.workcalendar import ListedDay, next_year_missing, year_schedule

from .factories import DEPT, OFFICER, register, sh

#: A made-up 2027 schedule (the real notice may not exist yet): New Year 1 Jan plus 4–6 Jan off.
SCHEDULE_2027 = {date(2027, 1, d): SpecialDay(DayKind.rest, "元旦") for d in (1, 4, 5, 6)}
NOTE_2027 = "暂按常规工作日计算，待国务院公布2027年节假日安排后重算"


def _assigned_on(day: date) -> Matter:
    m = register(now=sh(day.year, day.month, day.day - 2))
    m.assign(department=DEPT, mode="assign", signed_by="u-leader", actor=OFFICER,
             now=sh(day.year, day.month, day.day))
    return m


def _objection(m: Matter) -> ck.Deadline:
    return next(d for d in m.deadlines() if d.kind is DeadlineKind.objection)


# ----- the seed ------------------------------------------------------------------------------------
def test_seed_agrees_with_chinesecalendar_on_every_day_it_knows() -> None:
    cal = WorkdayCalendar()
    assert min(cal.years) == 2004 and 2026 in cal.years
    day = date(2004, 1, 1)
    while day.year in cal.years:
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_seed_names_days_in_chinese_and_keeps_only_weekend_working_days() -> None:
    y2026 = builtin_years()[2026]
    assert y2026[date(2026, 2, 17)] == SpecialDay(DayKind.rest, "春节")
    assert y2026[date(2026, 2, 14)] == SpecialDay(DayKind.work, "春节调休上班")  # a Saturday worked
    assert all(d.weekday() >= 5 for d, s in y2026.items() if s.kind is DayKind.work)


def test_unknown_year_falls_back_or_raises_when_strict() -> None:
    empty = WorkdayCalendar(freeze({}))
    assert not empty.covers(date(2026, 1, 5))
    assert empty.is_workday(date(2026, 1, 5)) and not empty.is_workday(date(2026, 1, 1))  # fixed-date fallback
    with pytest.raises(CalendarNotCovered):
        WorkdayCalendar(freeze({}), strict=True).is_workday(date(2026, 1, 5))
    entered = WorkdayCalendar().with_year(2027, SCHEDULE_2027)
    assert entered.covers(date(2027, 7, 1)) and not entered.is_workday(date(2027, 1, 5))
    assert entered.is_workday(date(2027, 1, 7))  # not listed: the week decides


# ----- a year's checks -----------------------------------------------------------------------------
def _listed(*days: tuple[int, int, int]) -> list[ListedDay]:
    return [ListedDay(date(*d), "元旦") for d in days]


@pytest.mark.parametrize(("year", "holidays", "working", "field", "rule"), [
    (1999, _listed((1999, 1, 1)), [], "year", "year_range"),
    (2101, _listed((2101, 1, 1)), [], "year", "year_range"),
    (2027, [], [], "holidays", "required"),
    (2027, _listed((2027, 1, 1), (2026, 12, 31)), [], "holidays.1.day", "within_year"),
    (2027, _listed((2027, 1, 1)), _listed((2028, 1, 2)), "working_days.0.day", "within_year"),
    (2027, _listed((2027, 1, 1), (2027, 1, 1)), [], "holidays.1.day", "unique_day"),
    (2027, _listed((2027, 1, 2)), _listed((2027, 1, 2)), "working_days.0.day", "unique_day"),
    (2027, _listed((2027, 1, 1)), _listed((2027, 1, 4)), "working_days.0.day", "weekend_only"),
    (2027, [ListedDay(date(2027, 1, 1), "  ")], [], "holidays.0.name", "name_required"),
    (2027, [ListedDay(date(2027, 1, 1), "元旦\n")], [], "holidays.0.name", "name_length"),
])
def test_a_year_is_refused_naming_field_and_rule(year: int, holidays: list[ListedDay], working: list[ListedDay],
                                                 field: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        year_schedule(year, holidays, working)
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_a_valid_year_becomes_its_exceptions() -> None:
    got = year_schedule(2027, _listed((2027, 1, 1), (2027, 1, 2)),
                        [ListedDay(date(2027, 1, 9), "元旦调休上班")])
    assert got == {date(2027, 1, 1): SpecialDay(DayKind.rest, "元旦"), date(2027, 1, 2): SpecialDay(DayKind.rest, "元旦"),
                   date(2027, 1, 9): SpecialDay(DayKind.work, "元旦调休上班")}


# ----- provisional deadlines -----------------------------------------------------------------------
def test_objection_window_into_an_unknown_year_is_provisional_with_a_note() -> None:
    m = _assigned_on(date(2026, 12, 30))  # Wed; 2026 known, 2027 not
    d = _objection(m)
    assert d.last_day == date(2027, 1, 7)  # Mon–Fri minus the fixed 1 Jan
    assert d.provisional and d.pending_years == (2027,) and d.depends_on == (2026, 2027)
    assert d.note == NOTE_2027
    route = next(x for x in m.deadlines() if x.kind is DeadlineKind.route)
    assert not route.provisional and route.depends_on == ()  # calendar days never consult the calendar


def test_objection_window_inside_a_known_year_is_not_provisional() -> None:
    d = _objection(_assigned_on(date(2026, 12, 21)))
    assert d.last_day == date(2026, 12, 28) and not d.provisional and d.note is None


def test_calendar_periods_are_provisional_only_when_they_roll_over_an_unknown_year() -> None:
    rolling = replace(ck.PetitionClocks(), roll_over_rest_days=True)
    m = register(now=sh(2026, 12, 20), clocks=rolling)  # route: 15 days → Mon 4 Jan 2027
    route = m.deadlines()[0]
    assert route.provisional and route.pending_years == (2027,)
    fixed = register(now=sh(2026, 12, 20))
    assert not fixed.deadlines()[0].provisional


# ----- recounting ----------------------------------------------------------------------------------
def test_entering_the_year_moves_the_window_and_records_one_event() -> None:
    m = _assigned_on(date(2026, 12, 30))
    before = _objection(m).due_at
    moved = m.apply_calendar(m.clocks.calendar.with_year(2027, SCHEDULE_2027), sh(2026, 12, 31))
    after = _objection(m)
    assert after.last_day == date(2027, 1, 12) and not after.provisional  # Dec 31, Jan 7, 8, 11, 12
    assert len(moved) == 1 and isinstance(moved[0], ev.DeadlineRecomputed)
    assert (moved[0].deadline, moved[0].previous_due_at, moved[0].due_at) == (DeadlineKind.objection, before,
                                                                              after.due_at)
    assert moved[0].provisional is False and moved[0] is m.events[-1]
    assert m.apply_calendar(m.clocks.calendar, sh(2026, 12, 31)) == []  # the same calendar again: nothing


def test_a_year_that_keeps_the_dates_records_nothing_but_ends_provisional() -> None:
    m = _assigned_on(date(2026, 12, 30))
    plain = {date(2027, 1, 1): SpecialDay(DayKind.rest, "元旦")}  # the fallback's guess was right
    assert m.apply_calendar(m.clocks.calendar.with_year(2027, plain), sh(2026, 12, 31)) == []
    assert not _objection(m).provisional


def test_met_deadlines_are_not_recounted() -> None:
    m = _assigned_on(date(2026, 12, 30))
    from .factories import HANDLER

    m.accept(actor=HANDLER, now=sh(2026, 12, 31))
    assert m.apply_calendar(m.clocks.calendar.with_year(2027, SCHEDULE_2027), sh(2026, 12, 31)) == []


def test_stored_columns_name_the_years_to_recount_and_the_provisional_list_deadline() -> None:
    m = _assigned_on(date(2026, 12, 30))
    assert calendar_columns(m) == ([2026, 2027], [])  # the window is not the list's open duty (route is met)
    rolling = register(now=sh(2026, 12, 20), clocks=replace(ck.PetitionClocks(), roll_over_rest_days=True))
    assert calendar_columns(rolling) == ([2027], [2027])
    assert calendar_columns(register(now=sh(2026, 5, 6))) == ([], [])


# ----- the December alert -------------------------------------------------------------------------
def test_next_year_missing_only_in_december_or_when_this_year_is_missing() -> None:
    cal = WorkdayCalendar()  # knows 2026, not 2027
    assert not next_year_missing(date(2026, 11, 30), cal)
    assert next_year_missing(date(2026, 12, 1), cal)
    assert not next_year_missing(date(2026, 12, 1), cal.with_year(2027, SCHEDULE_2027))
    assert next_year_missing(date(2027, 3, 1), cal)
