"""The stationed cadre's weekly minimum in the village (驻村时间), by season.

The rule, from the 固阳县 scheme (seed 001): 驻村干部「2月至9月每周驻村不少于4天，10月每周不少于3天，
11月至次年2月每周不少于2天；其他工作日到乡镇报告本周工作情况」— each stationed cadre is in the village
at least 4 days a week from February to September, at least 3 days a week in October, at least 2 days
a week from November to the next February, and on the other working days reports the week's work from
the township.

Read as a table (`DEFAULT_SEASONS`): a season starts on its first day and runs until the next one
starts. "November to the next February" and "February to September" overlap on February; the 4-day
season names February as its first month, so February belongs to it and the winter season ends on
31 January. The table is configurable (settings `MINQING_LIAISON_SEASONS`, e.g. "02-01:4,10-01:3,11-01:2").

Two choices the scheme leaves open, decided here (docs/liaison.md says the same):

1. A week (Monday–Sunday, China Standard Time) that straddles two seasons counts under the season of
   its **Thursday** — the ISO 8601 rule that gives a week to the year holding its Thursday, i.e. to the
   season holding most of its days (4 of 7). One week, one minimum, known in advance and the same for
   every cadre; no fractional days. So 28 Sep–4 Oct 2026 is an October week (3 days), 26 Oct–1 Nov 2026
   an October week too, 2–8 Nov 2026 a winter week (2 days).
2. Only **working days** count (the kit's calendar: 法定节假日 are rest days, 调休 weekends are working
   days), and the minimum is **capped by the working days the cadre could be in the village** that week:
   working days within the stationing period, less days of approved leave or official business
   (请假/公务). A public holiday therefore lowers the minimum only when it leaves fewer working days
   than the season asks for: the National Day week 28 Sep–4 Oct 2026 has 3 working days, so its
   October minimum of 3 stands; a week with 2 working days asks for at most 2. Reasoning: the scheme
   sets in-village days against "the other working days" (其他工作日到乡镇报告), so the minimum is a
   share of the working week; a statutory holiday is a rest day (国务院 holiday notice, 劳动法 §40) and
   cannot be demanded as a duty day; days in the village on a rest day are welcome but do not count,
   so that a minimum cannot be met over a weekend. Leave and official business must carry a note
   (五不准: no leaving the post without leave), so excused days are visible to the township.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from minqing_kit.errors import InvalidInput
from minqing_kit.workdays import WorkdayCalendar


@dataclass(frozen=True, order=True)
class Season:
    """From (month, day) on, until the next season starts: at least `minimum` days a week."""

    month: int
    day: int
    minimum: int


#: The seed's table: Feb–Sep ≥4, Oct ≥3, Nov–Jan ≥2 (see the module docstring for February).
DEFAULT_SEASONS: tuple[Season, ...] = (Season(2, 1, 4), Season(10, 1, 3), Season(11, 1, 2))

#: The day of a Monday-based week whose season the week takes (0 = Monday; 3 = Thursday, ISO 8601).
DECIDING_WEEKDAY = 3


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def week_days(start: date) -> list[date]:
    return [start + timedelta(days=i) for i in range(7)]


@dataclass(frozen=True)
class SeasonalRule:
    seasons: tuple[Season, ...] = DEFAULT_SEASONS

    def __post_init__(self) -> None:
        seasons = tuple(sorted(self.seasons))
        if not seasons:
            raise InvalidInput("驻村季节表不能为空 (at least one season)", field="seasons", rule="required")
        for s in seasons:
            try:
                date(2028, s.month, s.day)  # a leap year admits every real (month, day)
            except ValueError:
                raise InvalidInput(f"季节起始日无效 (no such day {s.month:02d}-{s.day:02d})",
                                   field="seasons", rule="valid_day") from None
            if not 0 <= s.minimum <= 7:
                raise InvalidInput("每周最少驻村天数须在 0–7 之间 (minimum must be 0..7 days)",
                                   field="seasons", rule="range_0_7")
        if len({(s.month, s.day) for s in seasons}) != len(seasons):
            raise InvalidInput("季节起始日重复 (two seasons start on the same day)", field="seasons", rule="unique")
        object.__setattr__(self, "seasons", seasons)

    @classmethod
    def parse(cls, text: str) -> SeasonalRule:
        """`"02-01:4,10-01:3,11-01:2"` → a rule (the settings' format)."""
        seasons = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            try:
                start, minimum = part.split(":")
                month, day = start.split("-")
                seasons.append(Season(int(month), int(day), int(minimum)))
            except ValueError:
                raise InvalidInput(f"季节格式应为 MM-DD:天数 (season must read MM-DD:days): {part!r}",
                                   field="seasons", rule="format") from None
        return cls(tuple(seasons))

    def minimum_on(self, day: date) -> int:
        """The season's minimum for the season `day` falls in (the last season started on or before it;
        before the first start of the year, the year's last season carries over)."""
        current = self.seasons[-1]
        for s in self.seasons:
            if (s.month, s.day) <= (day.month, day.day):
                current = s
        return current.minimum

    def season_minimum(self, start: date) -> int:
        """The minimum of the week beginning on Monday `start` (its Thursday's season)."""
        return self.minimum_on(week_start(start) + timedelta(days=DECIDING_WEEKDAY))


@dataclass(frozen=True)
class WeekCompliance:
    """One cadre-week measured against the rule (what `liaison.week_closed` publishes)."""

    week_start: date
    season_minimum: int
    working_days: int  # working days of the week within the stationing period
    excused_days: int  # of those, on approved leave or official business
    required_days: int  # min(season_minimum, working_days - excused_days)
    in_village_days: int  # working days recorded in the village
    at_township_days: int

    @property
    def met(self) -> bool:
        return self.in_village_days >= self.required_days

    @property
    def shortfall(self) -> int:
        return max(0, self.required_days - self.in_village_days)


def assess_week(start: date, presence: Mapping[date, str], *, rule: SeasonalRule, calendar: WorkdayCalendar,
                stationed: tuple[date, date | None]) -> WeekCompliance:
    """Measure one week. `presence` maps days to status values (`in_village`, `at_township`, `on_leave`,
    `official_business`); `stationed` is the stationing period (first day, last day or open)."""
    first, last = stationed
    start = week_start(start)
    days = [d for d in week_days(start) if calendar.is_workday(d) and d >= first and (last is None or d <= last)]
    excused = sum(1 for d in days if presence.get(d) in EXCUSED)
    in_village = sum(1 for d in days if presence.get(d) == IN_VILLAGE)
    at_township = sum(1 for d in days if presence.get(d) == AT_TOWNSHIP)
    minimum = rule.season_minimum(start)
    return WeekCompliance(week_start=start, season_minimum=minimum, working_days=len(days), excused_days=excused,
                          required_days=min(minimum, len(days) - excused), in_village_days=in_village,
                          at_township_days=at_township)


def short_streak(results: Sequence[bool]) -> int:
    """How many of the latest weeks in a row missed the minimum (`results` oldest first, True = met)."""
    n = 0
    for met in reversed(results):
        if met:
            break
        n += 1
    return n


IN_VILLAGE = "in_village"
AT_TOWNSHIP = "at_township"
EXCUSED = frozenset({"on_leave", "official_business"})


def weeks_between(first: date, last: date) -> Iterable[date]:
    """Mondays of every week from `first`'s week to `last`'s week, inclusive."""
    monday = week_start(first)
    while monday <= last:
        yield monday
        monday += timedelta(days=7)
