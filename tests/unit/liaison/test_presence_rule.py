"""The seasonal weekly minimum at its boundaries (issue #15): 30 Sep / 1 Oct, 31 Oct / 1 Nov, the end of
February (leap 2028 included), and holiday weeks — one lowered by the holiday, one not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from minqing_kit.errors import InvalidInput
from minqing_kit.workdays import WorkdayCalendar
from services.liaison.domain.presence_rule import (
    DEFAULT_SEASONS,
    Season,
    SeasonalRule,
    assess_week,
    short_streak,
    week_start,
)

RULE = SeasonalRule()
CAL = WorkdayCalendar()  # chinesecalendar's official years (2026 included)
FALLBACK = WorkdayCalendar(years={})  # Monday–Friday minus fixed-date holidays (years without a notice)


def _in_village(days: list[date]) -> dict[date, str]:
    return {d: "in_village" for d in days}


def test_the_rule_is_the_seeds_table() -> None:
    assert DEFAULT_SEASONS == (Season(2, 1, 4), Season(10, 1, 3), Season(11, 1, 2))
    assert [RULE.minimum_on(date(2026, m, 15)) for m in range(1, 13)] == [2, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 2]


def test_week_straddling_30_september_and_1_october_counts_as_october() -> None:
    # Mon 28 Sep – Sun 4 Oct 2026: Thursday is 1 October.
    assert week_start(date(2026, 9, 30)) == week_start(date(2026, 10, 1)) == date(2026, 9, 28)
    assert RULE.season_minimum(date(2026, 9, 28)) == 3
    # The week before is wholly September.
    assert RULE.season_minimum(date(2026, 9, 21)) == 4


def test_national_day_week_keeps_its_october_minimum_because_three_working_days_remain() -> None:
    # 1–7 Oct are holidays; 28–30 Sep are working days: 3 working days, October asks 3 → 3 stand.
    w = assess_week(date(2026, 9, 28), _in_village([date(2026, 9, 28), date(2026, 9, 29)]), rule=RULE,
                    calendar=CAL, stationed=(date(2026, 1, 1), None))
    assert (w.season_minimum, w.working_days, w.required_days, w.in_village_days) == (3, 3, 3, 2)
    assert not w.met and w.shortfall == 1


def test_week_straddling_31_october_and_1_november_counts_as_october() -> None:
    # Mon 26 Oct – Sun 1 Nov 2026: Thursday 29 Oct → October's 3; the next week is November's 2.
    assert RULE.season_minimum(date(2026, 10, 26)) == 3
    assert RULE.season_minimum(date(2026, 11, 2)) == 2
    w = assess_week(date(2026, 10, 26), _in_village([date(2026, 10, 26), date(2026, 10, 27)]), rule=RULE,
                    calendar=CAL, stationed=(date(2026, 1, 1), None))
    assert (w.required_days, w.met) == (3, False)


def test_days_in_the_village_on_a_rest_day_do_not_count() -> None:
    # Sat 31 Oct and Sun 1 Nov 2026 in the village do not make up for the working week.
    weekend = _in_village([date(2026, 10, 31), date(2026, 11, 1), date(2026, 10, 26)])
    w = assess_week(date(2026, 10, 26), weekend, rule=RULE, calendar=CAL, stationed=(date(2026, 1, 1), None))
    assert w.in_village_days == 1


@pytest.mark.parametrize("monday", [date(2027, 1, 25), date(2028, 1, 31)])
def test_winter_ends_on_31_january(monday: date) -> None:
    # 2027: 25–31 Jan is wholly January (2), 1 Feb a Monday starts the 4-day season.
    # 2028: Mon 31 Jan – Sun 6 Feb, Thursday 3 Feb → February's 4.
    thursday = monday + timedelta(days=3)
    assert RULE.season_minimum(monday) == (4 if thursday.month == 2 else 2)
    assert RULE.season_minimum(date(2027, 2, 1)) == 4


def test_end_of_february_in_leap_2028_is_not_a_season_boundary() -> None:
    # Mon 28 Feb – Sun 5 Mar 2028 holds 29 Feb; February and March are the same 4-day season.
    assert week_start(date(2028, 2, 29)) == date(2028, 2, 28)
    days = [date(2028, 2, 28) + timedelta(days=i) for i in range(4)]  # Mon 28, Tue 29, Wed 1, Thu 2
    w = assess_week(date(2028, 2, 28), _in_village(days), rule=RULE, calendar=FALLBACK,
                    stationed=(date(2028, 1, 1), None))
    assert (w.season_minimum, w.working_days, w.required_days, w.in_village_days, w.met) == (4, 5, 4, 4, True)
    # 2027 has no 29 February: the same week shape (Mon 22 Feb – Sun 28 Feb) is February's 4 as well.
    assert RULE.season_minimum(date(2027, 2, 22)) == 4


def test_a_holiday_week_with_fewer_working_days_than_the_minimum_lowers_it() -> None:
    # Spring Festival 2026: 15–23 Feb are rest days; Mon 16 – Sun 22 Feb has no working day at all,
    # Mon 23 Feb – Sun 1 Mar has 5 (Sat 28 Feb is a 调休 working day).
    empty = assess_week(date(2026, 2, 16), {}, rule=RULE, calendar=CAL, stationed=(date(2026, 1, 1), None))
    assert (empty.season_minimum, empty.working_days, empty.required_days, empty.met) == (4, 0, 0, True)
    after = assess_week(date(2026, 2, 23), {}, rule=RULE, calendar=CAL, stationed=(date(2026, 1, 1), None))
    assert (after.working_days, after.required_days, after.met) == (5, 4, False)


def test_an_adjusted_working_saturday_counts_as_a_working_day() -> None:
    # Mon 9 – Sun 15 Feb 2026: Sat 14 Feb is 春节调休上班.
    w = assess_week(date(2026, 2, 9), _in_village([date(2026, 2, 14)]), rule=RULE, calendar=CAL,
                    stationed=(date(2026, 1, 1), None))
    assert (w.working_days, w.in_village_days) == (6, 1)


def test_leave_and_official_business_lower_the_required_days_only_to_what_remains() -> None:
    start = date(2026, 3, 2)  # an ordinary March week: 5 working days, minimum 4
    presence = {start: "on_leave", start + timedelta(1): "official_business", start + timedelta(2): "in_village",
                start + timedelta(3): "in_village", start + timedelta(4): "in_village"}
    w = assess_week(start, presence, rule=RULE, calendar=CAL, stationed=(date(2026, 1, 1), None))
    assert (w.excused_days, w.required_days, w.in_village_days, w.met) == (2, 3, 3, True)


def test_a_partial_first_week_counts_only_days_within_the_stationing() -> None:
    w = assess_week(date(2026, 3, 2), {}, rule=RULE, calendar=CAL, stationed=(date(2026, 3, 5), None))
    assert (w.working_days, w.required_days) == (2, 2)


def test_the_table_is_configurable_and_checked() -> None:
    rule = SeasonalRule.parse("03-01:5, 11-15:1")
    assert rule.minimum_on(date(2026, 2, 28)) == 1 and rule.minimum_on(date(2026, 3, 1)) == 5
    for bad, rule_name in (("02-30:4", "valid_day"), ("02-01:8", "range_0_7"), ("x", "format"),
                           ("02-01:4,02-01:3", "unique"), ("", "required")):
        with pytest.raises(InvalidInput) as e:
            SeasonalRule.parse(bad)
        assert e.value.rule == rule_name


def test_short_streak_counts_the_latest_weeks_in_a_row() -> None:
    assert short_streak([True, False, False]) == 2
    assert short_streak([False, True]) == 0
    assert short_streak([]) == 0
