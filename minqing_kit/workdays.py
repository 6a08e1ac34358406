"""Chinese working days (法定节假日 and 调休 adjusted working weekends) for statutory clocks.

Backed by the maintained `chinesecalendar` package. For a year the package does not cover yet
(the State Council publishes each year's schedule in the previous November), the calendar either
raises (strict) or falls back to "Monday–Friday minus fixed-date holidays" and marks the answer
approximate, so a December deadline that crosses into an unpublished year still gets a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

# Fixed-date statutory holidays used only when the year's official schedule is not known.
_FALLBACK_FIXED = {(1, 1), (5, 1), (5, 2), (5, 3), (10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7)}


class CalendarNotCovered(LookupError):
    pass


@dataclass(frozen=True)
class WorkdayCalendar:
    strict: bool = False

    def covers(self, day: date) -> bool:
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date) -> bool:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as exc:
            if self.strict:
                raise CalendarNotCovered(f"no official holiday schedule for {day.year}") from exc
            return day.weekday() < 5 and (day.month, day.day) not in _FALLBACK_FIXED

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
