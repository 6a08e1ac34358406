"""Month and quarter periods."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.domain.periods import Period, PeriodKind


def test_month_bounds_and_neighbours() -> None:
    feb = Period.month(2024, 2)
    assert (feb.start, feb.end) == (date(2024, 2, 1), date(2024, 2, 29))
    assert Period.month(2025, 1).previous() == Period.month(2024, 12)
    assert Period.month(2024, 12).next() == Period.month(2025, 1)
    assert (feb.label, feb.label_zh) == ("2024-02", "2024年2月")


def test_quarter_bounds_and_neighbours() -> None:
    q4 = Period.quarter(2024, 4)
    assert (q4.start, q4.end) == (date(2024, 10, 1), date(2024, 12, 31))
    assert Period.quarter(2025, 1).previous() == q4
    assert (q4.label, q4.label_zh) == ("2024-Q4", "2024年第四季度")
    assert date(2024, 11, 30) in q4 and date(2025, 1, 1) not in q4


def test_containing() -> None:
    assert Period.containing(date(2025, 5, 31), "month") == Period.month(2025, 5)
    assert Period.containing(date(2025, 5, 31), PeriodKind.quarter) == Period.quarter(2025, 2)


@pytest.mark.parametrize(("kind", "index"), [(PeriodKind.month, 13), (PeriodKind.month, 0), (PeriodKind.quarter, 5)])
def test_bad_index_is_refused(kind: PeriodKind, index: int) -> None:
    with pytest.raises(ValueError):
        Period(kind, 2025, index)
