"""Rules that must hold on every day, not only the days a test happened to pick: month and quarter
edges, leap years, year ends, the Beijing day of an instant, statutory periods across those edges.

Hypothesis draws the days (biased towards the edges), shrinks a failure to its smallest case and
keeps it in `.hypothesis/` so the next run tries it first.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from minqing_kit.workdays import WorkdayCalendar
from services.petition.domain import clocks as pc
from services.reporting.domain.aggregate import month_of
from services.reporting.domain.facts import SHANGHAI, shanghai_day
from services.reporting.domain.periods import Period, PeriodKind

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
#: Days at the edges the bugs live on: the last days of months (Feb 28/29 included) and of years.
EDGE_DAYS = st.builds(lambda y, m, back: date(y, m, calendar.monthrange(y, m)[1]) - timedelta(days=back),
                      st.integers(2000, 2100), st.integers(1, 12), st.integers(0, 2))
ANY_DAY = st.one_of(DAYS, EDGE_DAYS)
OFFSETS = st.sampled_from([UTC, SHANGHAI, timezone(timedelta(hours=-5)), timezone(timedelta(hours=14))])
INSTANTS = st.builds(lambda d, seconds, tz: datetime.combine(d, time(0), SHANGHAI).astimezone(tz)
                     + timedelta(seconds=seconds), ANY_DAY, st.integers(0, 86_399), OFFSETS)


@given(ANY_DAY, st.sampled_from(list(PeriodKind)))
def test_a_day_lies_in_its_period_and_periods_tile_the_calendar(day: date, kind: PeriodKind) -> None:
    period = Period.containing(day, kind)
    assert day in period and period.start <= day <= period.end
    assert period.previous().end + timedelta(days=1) == period.start
    assert period.next().start == period.end + timedelta(days=1)
    assert period.next().previous() == period
    length = (period.end - period.start).days + 1
    if kind is PeriodKind.month:
        assert length == calendar.monthrange(day.year, day.month)[1]
        assert month_of(day) == period.start
    else:
        assert 90 <= length <= 92
        assert {Period.containing(period.start + timedelta(days=i), "month") for i in range(length)} == {
            Period.month(period.year, m) for m in range(3 * period.index - 2, 3 * period.index + 1)}


@given(INSTANTS)
def test_an_instant_counts_on_its_beijing_day_whatever_offset_it_was_written_in(moment: datetime) -> None:
    day = shanghai_day(moment)
    start = datetime.combine(day, time(0), SHANGHAI)
    assert start <= moment < start + timedelta(days=1)
    assert pc.local_date(moment) == day


@given(ANY_DAY, st.integers(0, 86_399), st.integers(1, 90))
def test_a_calendar_period_ends_at_midnight_beijing_n_days_after_the_starting_day(
        day: date, seconds: int, days: int) -> None:
    start = datetime.combine(day, time(0), SHANGHAI) + timedelta(seconds=seconds)
    clocks = pc.PetitionClocks()
    due = pc.after_days(start, days, clocks)
    # The day of the act is not counted; the period closes at 24:00 of its n-th day, whatever month
    # or year that day falls in (Feb 29, Dec 31).
    assert pc.last_day(due) == day + timedelta(days=days)
    assert due.astimezone(SHANGHAI).time() == time(0)
    assert due - start > timedelta(days=days - 1)


@given(ANY_DAY, st.integers(1, 90))
def test_rolling_over_rest_days_lands_on_a_working_day_never_earlier(day: date, days: int) -> None:
    start = datetime.combine(day, time(9), SHANGHAI)
    plain = pc.after_days(start, days, pc.PetitionClocks())
    rolled = pc.after_days(start, days, pc.PetitionClocks(roll_over_rest_days=True))
    assert rolled >= plain
    assert WorkdayCalendar().is_workday(pc.last_day(rolled))
    assert (rolled - plain).days <= 12  # the longest run of rest days (Spring Festival) is shorter


@given(ANY_DAY, st.integers(0, 30))
def test_working_days_added_are_counted_back(day: date, n: int) -> None:
    cal = WorkdayCalendar()
    end = cal.add_workdays(day, n)
    assert cal.workdays_between(day, end) == n
    assert end == day or cal.is_workday(end)


@given(st.integers(-10**6, 10**6), OFFSETS)
def test_the_contracts_instant_range_is_exact_to_the_microsecond(micros: int, tz: timezone) -> None:
    from minqing_contract.bounds import EARLIEST, LATEST, _within_range

    for edge, inside in ((EARLIEST, micros >= 0), (LATEST, micros <= 0)):
        moment = (edge + timedelta(microseconds=micros)).astimezone(tz)
        try:
            _within_range(moment)
            accepted = True
        except ValueError:
            accepted = False
        assert accepted == inside, moment
