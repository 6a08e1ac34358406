"""§113 closure rule: major-hazard penalties 3 times within 180 days or 4 times within a year.

Windows are counted on Beijing dates of the decisions and include both ends: a decision exactly
180 days (or exactly one calendar year) before the day of the check still counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .enterprise import Enterprise
from .penalty import Penalty, china_date

SHORT_WINDOW_DAYS = 180
SHORT_WINDOW_COUNT = 3
YEAR_WINDOW_COUNT = 4


@dataclass(frozen=True)
class ClosureFinding:
    penalties_in_window: int
    window_days: int


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def closure_finding(penalties: Iterable[Penalty], on: date) -> ClosureFinding | None:
    """The §113 finding on day `on`, the short window first; None if the rule is not met."""
    days = [china_date(p.decided_at) for p in penalties if p.counts_for_closure]
    days = [d for d in days if d <= on]
    short_start = on - timedelta(days=SHORT_WINDOW_DAYS)
    in_short = sum(1 for d in days if d >= short_start)
    if in_short >= SHORT_WINDOW_COUNT:
        return ClosureFinding(in_short, SHORT_WINDOW_DAYS)
    year_start = _year_before(on)
    in_year = sum(1 for d in days if d >= year_start)
    if in_year >= YEAR_WINDOW_COUNT:
        return ClosureFinding(in_year, (on - year_start).days)
    return None


def check_closure(enterprise: Enterprise, penalties: Iterable[Penalty], *, now: datetime) -> ClosureFinding | None:
    """Raise the closure proposal on the enterprise (once) when the rule is met on `now`'s date."""
    own = [p for p in penalties if p.enterprise_id == enterprise.id]
    finding = closure_finding(own, china_date(now))
    if finding is not None:
        enterprise.propose_closure(finding.penalties_in_window, finding.window_days, now=now)
    return finding
