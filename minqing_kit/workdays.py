"""Chinese working days (法定节假日 and 调休 adjusted working weekends) for statutory clocks.

The rule: a day is a working day when the year's official schedule (国务院办公厅关于某年部分节假日安排
的通知) says so — its holidays are rest days even on a weekday, its adjusted working days (调休上班)
are working days even on a weekend — and otherwise when it is Monday to Friday.

The calendar is data injected into a frozen `WorkdayCalendar`: a mapping year → that year's
exceptions (day → rest or work, and the name printed on the notice). `builtin_years()` seeds it from
the maintained `chinesecalendar` package for the years that package knows; a service may add years
entered by hand from the State Council's notice. For a year the calendar does not know yet (the
notice comes out each November or December), the calendar either raises (strict) or falls back to
"Monday–Friday minus fixed-date holidays" — and `covers` / `covers_between` let the caller mark the
answer provisional, so a December deadline crossing into an unpublished year still gets a date that
says it may move.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType

import chinese_calendar.constants as _official

# Fixed-date statutory holidays used only when the year's official schedule is not known.
_FALLBACK_FIXED = {(1, 1), (5, 1), (5, 2), (5, 3), (10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7)}

#: Chinese names of the holidays `chinesecalendar` names in English.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
ADJUSTED_SUFFIX = "调休上班"


class DayKind(StrEnum):
    rest = "rest"  # 放假 (a holiday, also when it falls on a weekend within the holiday)
    work = "work"  # 调休上班 (an adjusted working day, normally a weekend)


@dataclass(frozen=True)
class SpecialDay:
    kind: DayKind
    name: str  # 春节, 国庆节, 春节调休上班 …


#: One year's exceptions to Monday–Friday; days not listed follow the week.
YearSchedule = Mapping[date, SpecialDay]


class CalendarNotCovered(LookupError):
    pass


def freeze(years: Mapping[int, Mapping[date, SpecialDay]]) -> Mapping[int, YearSchedule]:
    """A read-only copy (mapping proxies all the way down) fit for a frozen calendar."""
    return MappingProxyType({y: MappingProxyType(dict(days)) for y, days in years.items()})


@cache
def builtin_years() -> Mapping[int, YearSchedule]:
    """The years `chinesecalendar` knows, as schedules (pure data shipped with the package)."""
    years: dict[int, dict[date, SpecialDay]] = {}
    for day, name in _official.holidays.items():
        years.setdefault(day.year, {})[day] = SpecialDay(DayKind.rest, HOLIDAY_NAMES_ZH.get(name, name))
    for day, name in _official.workdays.items():
        if day.weekday() >= 5:  # the package lists every working day of a holiday week; only weekends matter
            zh = HOLIDAY_NAMES_ZH.get(name, name)
            years.setdefault(day.year, {})[day] = SpecialDay(DayKind.work, zh + ADJUSTED_SUFFIX)
    return freeze(years)


@dataclass(frozen=True)
class WorkdayCalendar:
    """Working days from injected per-year schedules (by default the `chinesecalendar` years)."""

    years: Mapping[int, YearSchedule] = field(default_factory=builtin_years)
    strict: bool = False

    def covers(self, day: date) -> bool:
        return day.year in self.years

    def covers_between(self, first: date, last: date) -> bool:
        """Whether every year from `first` to `last` (inclusive) has a known schedule."""
        return all(y in self.years for y in range(first.year, last.year + 1))

    def missing_years(self, first: date, last: date) -> tuple[int, ...]:
        return tuple(y for y in range(first.year, last.year + 1) if y not in self.years)

    def special(self, day: date) -> SpecialDay | None:
        schedule = self.years.get(day.year)
        return None if schedule is None else schedule.get(day)

    def is_workday(self, day: date) -> bool:
        schedule = self.years.get(day.year)
        if schedule is None:
            if self.strict:
                raise CalendarNotCovered(f"no official holiday schedule for {day.year}")
            return day.weekday() < 5 and (day.month, day.day) not in _FALLBACK_FIXED
        special = schedule.get(day)
        if special is not None:
            return special.kind is DayKind.work
        return day.weekday() < 5

    def with_year(self, year: int, schedule: Mapping[date, SpecialDay]) -> WorkdayCalendar:
        """A new calendar with `year` set (added or replaced)."""
        return WorkdayCalendar(freeze({**self.years, year: schedule}), self.strict)

    def add_workdays(self, start: date, n: int) -> date:
        """The date `n` working days after `start` (start itself not counted)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        while n > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count
