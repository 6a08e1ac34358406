"""The county's time zone: the clock, the label pages print, and refusing zones that would break
whole-day arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from minqing_kit import clock


def test_the_system_clock_tells_beijing_time() -> None:
    now = clock.system_clock()
    assert now.utcoffset() == timedelta(hours=8)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert now.isoformat().endswith("+08:00")


def test_a_manual_clock_answers_in_the_county_zone_whatever_it_was_set_in() -> None:
    manual = clock.ManualClock(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    assert manual().isoformat() == "2026-11-30T23:30:00+08:00"
    assert clock.county_day(manual()) == date(2026, 11, 30)
    assert clock.county_day(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert clock.county_midnight(date(2026, 12, 1)) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_zones_with_daylight_saving_and_unknown_zones_are_refused() -> None:
    assert clock.load_zone("Asia/Urumqi").key == "Asia/Urumqi"
    with pytest.raises(ValueError, match="daylight saving"):
        clock.load_zone("Europe/Berlin")
    with pytest.raises(ValueError, match="unknown"):
        clock.load_zone("Mars/Olympus")
    assert clock.zone_label() == "北京时间"


def test_settings_validate_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    from minqing_kit.settings import ServiceSettings

    monkeypatch.setenv("MINQING_COUNTY_TIMEZONE", "America/New_York")
    with pytest.raises(ValueError, match="daylight saving"):
        ServiceSettings()
