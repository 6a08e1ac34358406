"""The county's holiday calendar: a year's schedule as the State Council's notice gives it, checked.

Each November or December 国务院办公厅 publishes 《关于{year}年部分节假日安排的通知》: the holidays
(放假, sometimes including the weekend inside them) and the weekends worked in exchange (调休上班).
The county enters it here; a day not listed follows the week (Monday–Friday work). Until the year
is entered, working-day periods running into it are counted Monday–Friday and marked provisional
(`clocks.Deadline.pending_years`); entering it recomputes them (`Oversight.apply_calendar`).

Checks, each refused naming the field and the rule:
- `year`: 2000–2100 (`year_range`), the same bounds as every date on the contract;
- every listed day lies in that year (`within_year`) and is listed once (`unique_day`);
- an adjusted working day is a Saturday or Sunday (`weekend_only`): a weekday is worked anyway;
- every day has a name, one line of at most 20 characters (`name_required`, `name_length`);
- at least one holiday (`required`): a notice always grants some.
The rule for "is this a working day" itself lives in `minqing_kit.workdays`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from minqing_kit.errors import InvalidInput
from minqing_kit.workdays import DayKind, SpecialDay, WorkdayCalendar

FIRST_YEAR = 2000
LAST_YEAR = 2100
MAX_NAME = 20


@dataclass(frozen=True)
class ListedDay:
    day: date
    name: str


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"年份须在 {FIRST_YEAR} 至 {LAST_YEAR} 之间 (year must be {FIRST_YEAR}–{LAST_YEAR})",
                           field="year", rule="year_range")
    return year


def _name(item: ListedDay, field: str) -> str:
    name = item.name.strip()
    if not name:
        raise InvalidInput("须注明节日名称 (each day needs a name, e.g. 春节)", field=field, rule="name_required")
    if len(name) > MAX_NAME or any(unicodedata.category(ch).startswith("C") for ch in item.name):
        raise InvalidInput(f"名称须为一行且不超过 {MAX_NAME} 字 (a name is one line of at most {MAX_NAME} characters)",
                           field=field, rule="name_length")
    return name


def year_schedule(year: int, holidays: Sequence[ListedDay], working_days: Sequence[ListedDay]) -> dict[date, SpecialDay]:
    """The year's exceptions to Monday–Friday, from the notice's two lists (checked as above)."""
    check_year(year)
    if not holidays:
        raise InvalidInput("须列出放假日期 (list the holidays of the notice)", field="holidays", rule="required")
    out: dict[date, SpecialDay] = {}
    for key, items, kind in (("holidays", holidays, DayKind.rest), ("working_days", working_days, DayKind.work)):
        for i, item in enumerate(items):
            field = f"{key}.{i}.day"
            if item.day.year != year:
                raise InvalidInput(f"{item.day} 不在 {year} 年内 ({item.day} is not in {year})",
                                   field=field, rule="within_year")
            if item.day in out:
                raise InvalidInput(f"{item.day} 重复列出 ({item.day} is listed twice)", field=field, rule="unique_day")
            if kind is DayKind.work and item.day.weekday() < 5:
                raise InvalidInput(f"调休上班日 {item.day} 须为周六或周日 (an adjusted working day must be a weekend)",
                                   field=field, rule="weekend_only")
            out[item.day] = SpecialDay(kind, _name(item, f"{key}.{i}.name"))
    return out


def next_year_missing(today: date, calendar: WorkdayCalendar) -> bool:
    """The alert's rule: in December next year's schedule should be in; this year's always."""
    if not calendar.covers(today):
        return True
    return today.month == 12 and today.year + 1 not in calendar.years


def counts(schedule: Mapping[date, SpecialDay]) -> tuple[int, int]:
    """(holidays, adjusted working days) of a year's schedule."""
    rest = sum(1 for s in schedule.values() if s.kind is DayKind.rest)
    return rest, len(schedule) - rest
