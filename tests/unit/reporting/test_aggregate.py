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


def test_projecting_into_the_sum_equals_summing_the_projected_facts_for_structs_and_models() -> None:
    """`project_into` (the ingest's hot path: facts summed as the rules emit them, payloads as the codec's
    structs) gives the same rows as `agg.add(project(event))` on the pydantic payloads, over every event
    type the simulator emits in a month of county history."""
    from datetime import date as day

    from minqing_contract import codec
    from services.reporting.adapters.readmodel import rows_of
    from services.reporting.domain.projection import project, project_into
    from simulator.history import generate
    from simulator.produce import encoded

    by_facts, fused, types = Aggregate(), Aggregate(), set()
    for payload, record in encoded(generate(day(2025, 1, 1), 31), seed=3):
        slim = codec.decode_slim(record.key, record.value, record.headers)
        assert codec.model_of(slim.payload) is type(payload) and not isinstance(slim.payload, type(payload))
        by_facts.add(project(payload))
        project_into(fused, slim)
        types.add(slim.type)
    assert len(types) > 20 and fused.events == by_facts.events
    assert rows_of(fused) == rows_of(by_facts)
