"""Three days of generated history produced to the real broker and read back, decoded, in order."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

import pytest

from devstack.stack import Stack
from minqing_contract import decode
from minqing_contract.topics import STREAMS
from simulator.history import generate
from simulator.produce import produce_history
from tests.integration.conftest import read_topic

pytestmark = pytest.mark.integration

START = date(2026, 3, 2)


async def test_three_days_of_history_reach_the_topics_and_decode(stack: Stack, topics: list[str]) -> None:
    expected = list(generate(START, 3, seed=21))
    per_stream = Counter(p.stream for p, _ in expected)
    # every domain stream (the sign-in audit is not generated); liaison once the simulator generates it
    assert set(per_stream) - {"liaison"} == set(STREAMS) - {"identity", "liaison"}

    stats = await produce_history(stack.kafka_admin, START, 3, seed=21, progress=False, print_summary=False)
    assert stats.events == len(expected)
    assert sum(stats.per_topic.values()) == len(expected)

    for stream, n in per_stream.items():
        topic = STREAMS[stream].name
        assert stats.per_topic[topic] == n
        def generated(r: Any, stream: str = stream) -> bool:  # the shared topic holds other tests' records too
            return bool(r.headers) and dict(r.headers).get("ce_source") == f"/minqing/{stream}".encode() \
                and str(START) <= dict(r.headers)["ce_time"].decode()[:10] <= "2026-03-04"

        ours = await read_topic(stack.kafka_admin, topic, at_least=n, timeout=60, predicate=generated)
        assert len(ours) == n, (stream, len(ours), n)
        sequences: dict[tuple[int, str], list[int]] = defaultdict(list)
        types: Counter[str] = Counter()
        for r in ours:
            event = decode(r.key, r.value, r.headers)
            assert event.payload.stream == stream
            assert r.key == event.subject.encode()
            assert event.sequence is not None
            sequences[(r.partition, event.subject)].append(event.sequence)
            types[event.type] += 1
        # one aggregate → one partition, its versions 1..n in order
        assert len({s for _, s in sequences}) == len(sequences)
        for key, seqs in sequences.items():
            assert seqs == list(range(1, len(seqs) + 1)), key
        assert types == Counter(p.event_type for p, _ in expected if p.stream == stream)
