"""Helpers the benchmarks share."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer

from minqing_kit.kafka_auth import KafkaConnection, client_options


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def time_gets(client: Any, paths: Mapping[str, str], headers: Mapping[str, str], requests: int,
                    before_each: Callable[[], None], warm_up: int = 5) -> dict[str, list[float]]:
    """Milliseconds of `requests` GETs per named path (after `warm_up` untimed ones), `before_each`
    called before every timed request (to clear caches: the uncached path is what is measured)."""
    times: dict[str, list[float]] = {}
    for name, path in paths.items():
        for _ in range(warm_up):
            (await client.get(path, headers=headers)).raise_for_status()
        times[name] = []
        for _ in range(requests):
            before_each()
            t0 = time.perf_counter()
            r = await client.get(path, headers=headers)
            times[name].append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
    return times


async def raw_consume(bootstrap: KafkaConnection | str, topics: list[str], n: int) -> float:
    """The baseline: events/s of a bare aiokafka consumer reading `n` messages of `topics` from the start
    (a fresh group, batches of 2,000, nothing decoded)."""
    consumer = AIOKafkaConsumer(*topics, **client_options(bootstrap), auto_offset_reset="earliest",
                                group_id=f"bench-{uuid.uuid4()}", enable_auto_commit=False, max_poll_records=2000)
    await consumer.start()
    try:
        got, t0 = 0, time.perf_counter()
        while got < n:
            batch = await consumer.getmany(timeout_ms=500, max_records=2000)
            got += sum(len(v) for v in batch.values())
        return n / (time.perf_counter() - t0)
    finally:
        await consumer.stop()
