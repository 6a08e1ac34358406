"""Clocks the service layers read `now` from, and the county's time zone every person reads times in.

The domain never reads a clock (it is given `now`); handlers and watchers call an injected `Clock`.
The system clock tells the time in the county's zone, and every timestamp read back from PostgreSQL
arrives in that zone too (`minqing_kit.db`), so API responses, exports, certificates and pages show
Beijing time with its offset (`2026-11-30T18:53:00+08:00`), never UTC.

The zone is `MINQING_COUNTY_TIMEZONE` (an IANA name; `Asia/Shanghai` by default, which is every
county's legal time — a Xinjiang county may choose `Asia/Urumqi`). It is read once at start-up, the
same variable the settings validate. Zones with daylight saving are refused: day arithmetic here
adds whole days to instants, which is exact only without DST (China has had none since 1991).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]

DEFAULT_COUNTY_TIMEZONE = "Asia/Shanghai"
TIMEZONE_ENV = "MINQING_COUNTY_TIMEZONE"


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, refused if unknown or if it ever changes its offset within a year."""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    offsets = {datetime(2026, m, 1, 12, tzinfo=zone).utcoffset() for m in (1, 4, 7, 10)}
    if len(offsets) != 1:
        raise ValueError(f"time zone {name!r} has daylight saving; the county's clocks need a fixed offset")
    return zone


@cache
def county_zone() -> tzinfo:
    return load_zone(os.environ.get(TIMEZONE_ENV) or DEFAULT_COUNTY_TIMEZONE)


def zone_label() -> str:
    """How a page names the county's time: 北京时间 for UTC+8, else the offset (UTC+06:00)."""
    offset = datetime(2026, 1, 1, tzinfo=county_zone()).utcoffset() or timedelta(0)
    if offset == timedelta(hours=8):
        return "北京时间"
    sign, rest = ("-", -offset) if offset < timedelta(0) else ("+", offset)
    return f"UTC{sign}{rest.seconds // 3600:02d}:{rest.seconds % 3600 // 60:02d}"


def in_county(moment: datetime) -> datetime:
    """An aware instant as the county reads it (same instant, the county's offset)."""
    return moment.astimezone(county_zone())


def county_day(moment: datetime) -> date:
    """The county's calendar day of an instant (a matter at 23:30 Beijing time counts on that day)."""
    return in_county(moment).date()


def county_midnight(day: date) -> datetime:
    """The instant the county's `day` begins."""
    return datetime.combine(day, time(0), county_zone())


def system_clock() -> datetime:
    return datetime.now(UTC).astimezone(county_zone())


class ManualClock:
    """A clock that stands still until told to move (tests, demos); callable like `system_clock`."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.at = start

    def __call__(self) -> datetime:
        return in_county(self.at)

    @property
    def current(self) -> datetime:
        return in_county(self.at)

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self.at += (delta or timedelta()) + timedelta(**parts)
        return self.at
