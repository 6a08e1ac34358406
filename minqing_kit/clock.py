"""Clocks the service layers read `now` from: the system clock in production, a manual one in tests.

The domain never reads a clock (it is given `now`); handlers and watchers call an injected `Clock`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told to move (tests, demos); callable like `system_clock`."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    @property
    def current(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self.at += (delta or timedelta()) + timedelta(**parts)
        return self.at
