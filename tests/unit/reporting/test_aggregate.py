"""Summing a batch's facts in memory before the batched upsert."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.reporting.domain.aggregate import Aggregate
from services.reporting.domain.facts import Delta, Facts, Mark, Presence, Sample

from .factories import T0, TOWNSHIP, VILLAGE

DAY = date(2025, 5, 6)


def test_deltas_sum_per_key_and_roll_up_per_month_without_village() -> None:
    agg = Aggregate()
    agg.add(Facts(deltas=(Delta("m", TOWNSHIP, VILLAGE, "", DAY, 1, 0.1),)))
    agg.add(Facts(deltas=(Delta("m", TOWNSHIP, None, "", DAY, 2, 0.2),)))
    assert agg.deltas[("m", TOWNSHIP, VILLAGE, "", DAY)] == [1, Decimal("0.1")]
    assert agg.deltas[("m", TOWNSHIP, "", "", DAY)] == [2, Decimal("0.2")]
    assert agg.monthly[("m", TOWNSHIP, "", date(2025, 5, 1))] == [3, Decimal("0.3")]  # exact, not 0.30000000000000004
    assert agg.events == 2


def test_samples_count_per_bucket_and_latest_mark_wins_and_presences_are_distinct() -> None:
    agg = Aggregate()
    later = T0 + timedelta(hours=1)
    agg.add(Facts(samples=(Sample("s", TOWNSHIP, None, "", DAY, 25),),
                  marks=(Mark("k", "a", TOWNSHIP, None, "", DAY, later, False),),
                  presences=(Presence("p", "team", TOWNSHIP, DAY),)))
    agg.add(Facts(samples=(Sample("s", TOWNSHIP, None, "", DAY, 20),),
                  marks=(Mark("k", "a", TOWNSHIP, None, "", DAY, T0, True),),  # older: cannot reopen
                  presences=(Presence("p", "team", TOWNSHIP, DAY),)))
    assert agg.samples == {("s", TOWNSHIP, "", DAY, 30): 2}
    assert agg.marks[("k", "a")].open is False
    assert len(agg.presences) == 1
