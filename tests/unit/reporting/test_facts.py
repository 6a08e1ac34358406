"""Day bucketing in Asia/Shanghai and the duration histogram buckets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from minqing_contract.events import volunteer as ve
from services.reporting.domain.facts import BUCKET_BOUNDS, bucket_for, shanghai_day
from services.reporting.domain.projection import project

from .factories import CST, request


@pytest.mark.parametrize(("moment", "day"), [
    (datetime(2025, 5, 6, 23, 59, 59, tzinfo=CST), date(2025, 5, 6)),
    (datetime(2025, 5, 7, 0, 0, 0, tzinfo=CST), date(2025, 5, 7)),
    (datetime(2025, 5, 6, 15, 59, 59, tzinfo=UTC), date(2025, 5, 6)),  # 23:59:59 in Shanghai
    (datetime(2025, 5, 6, 16, 0, 0, tzinfo=UTC), date(2025, 5, 7)),  # midnight in Shanghai
    (datetime(2025, 12, 31, 16, 0, 0, tzinfo=UTC), date(2026, 1, 1)),  # new year
])
def test_day_is_the_shanghai_calendar_day(moment: datetime, day: date) -> None:
    assert shanghai_day(moment) == day


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        shanghai_day(datetime(2025, 5, 6, 12, 0))


def test_late_event_lands_in_the_day_it_happened_not_the_day_it_arrived() -> None:
    # Two requests either side of midnight; projecting them in reverse order changes nothing.
    before = request(ve.RequestSubmitted, urgency="normal", requester="p_mfrggzdfmztwq2lknnwg23tpoa",
                     occurred_at=datetime(2025, 5, 6, 23, 58, tzinfo=CST))
    after = request(ve.RequestSubmitted, urgency="normal", requester="p_mfrggzdfmztwq2lknnwg23tpoa",
                    occurred_at=datetime(2025, 5, 7, 0, 2, tzinfo=CST))
    days = [project(e).deltas[0].day for e in (after, before)]
    assert days == [date(2025, 5, 7), date(2025, 5, 6)]


@pytest.mark.parametrize(("value", "bucket"), [(0, 5), (5, 5), (5.01, 10), (59, 60), (61, 120),
                                               (10080, 10080), (10081, float("inf")), (-3, 5)])
def test_bucket_for(value: float, bucket: float) -> None:
    assert bucket_for(value) == bucket


def test_bucket_bounds_are_increasing_and_open_ended() -> None:
    assert list(BUCKET_BOUNDS) == sorted(set(BUCKET_BOUNDS))
    assert BUCKET_BOUNDS[-1] == float("inf")
    assert timedelta(minutes=BUCKET_BOUNDS[-2]) == timedelta(days=7)
