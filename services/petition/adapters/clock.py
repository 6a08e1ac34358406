"""The petition service's clocks come from the kit (wall clock in production, movable in tests)."""

from minqing_kit.clock import Clock, ManualClock, system_clock

MovableClock = ManualClock

__all__ = ["Clock", "MovableClock", "system_clock"]
