"""The safety service's clocks come from the kit (wall clock in production, manual in tests)."""

from minqing_kit.clock import Clock, ManualClock, system_clock

__all__ = ["Clock", "ManualClock", "system_clock"]
