"""Clocks for the service layer: the wall clock in production, a movable one in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class MovableClock:
    """A clock tests set and advance; callable like `system_clock`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.current

    def set(self, at: datetime) -> None:
        self.current = at

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current
