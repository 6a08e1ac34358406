"""Write generated history straight to the contract topics, fast (issue 8 §5).

Encoding: `fast_encode` is the contract's fast codec (`minqing_contract.codec.encode`: byte for byte
the record the SDK-based `minqing_contract.encode` builds, without the SDK) — what lets one core
produce well over 10k events/s. `encode` stays the reference; `--reference-encoder` uses it.

Producing: one idempotent AIOKafkaProducer (acks=all, linger 20 ms). Records are appended to one
record batch per partition (`create_batch`, partition chosen as the default murmur2 partitioner would,
cached per key) and each full batch goes out with `send_batch`, never awaiting a single delivery; the
batch futures are gathered in chunks, so the broker works while the generator keeps going.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from minqing_contract.codec import encode as fast_encode
from minqing_contract.envelope import KafkaRecord, encode
from minqing_contract.events.base import EventPayload
from minqing_contract.topics import STREAMS
from minqing_kit.kafka_auth import KafkaConnection, client_options
from simulator.history import generate

__all__ = ["Stats", "encoded", "fast_encode", "produce_history", "reference_encode", "source_for"]


def source_for(payload: EventPayload) -> str:
    return f"/minqing/{payload.stream}"


def reference_encode(payload: EventPayload, *, source: str, event_id: uuid.UUID, sequence: int | None = None) -> KafkaRecord:
    return encode(payload, source=source, event_id=event_id, sequence=sequence)


Encoder = Callable[..., KafkaRecord]


def encoded(events: Iterable[tuple[EventPayload, int]], *, seed: int, salt: str = "",
            encoder: Encoder = fast_encode) -> Iterator[tuple[EventPayload, KafkaRecord]]:
    """Encode generated events with deterministic event ids (seeded, distinct per run `salt`)."""
    rng = random.Random(f"{seed}:event-ids:{salt}")
    for payload, seq in events:
        event_id = uuid.UUID(bytes=rng.randbytes(16), version=4)
        yield payload, encoder(payload, source=source_for(payload), event_id=event_id, sequence=seq)


@dataclass
class Stats:
    events: int = 0
    bytes: int = 0
    seconds: float = 0.0
    per_type: Counter[str] = field(default_factory=Counter)
    per_topic: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lines = [f"{self.events:,} events, {self.bytes / 1e6:,.1f} MB in {self.seconds:,.1f} s "
                 f"= {self.rate:,.0f} events/s", "per topic:"]
        lines += [f"  {name:32} {n:>10,}" for name, n in sorted(self.per_topic.items())]
        lines.append("per type:")
        lines += [f"  {name:40} {n:>10,}" for name, n in sorted(self.per_type.items())]
        return "\n".join(lines)


def _progress(days: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=days, unit="day", disable=not enabled, file=sys.stderr, dynamic_ncols=True)


async def produce_history(bootstrap: KafkaConnection | str, start: date, days: int, seed: int = 7, scale: float = 1.0,
                          progress: bool = True, *, chunk: int = 20_000, encoder: Encoder = fast_encode,
                          print_summary: bool = True) -> Stats:
    """Generate `days` of history from `start` and produce it to the contract topics; returns the figures."""
    from aiokafka import AIOKafkaProducer

    stats = Stats()
    producer = AIOKafkaProducer(**client_options(bootstrap), acks="all", enable_idempotence=True, linger_ms=20,
                                max_batch_size=256 * 1024, compression_type=None,
                                client_id="minqing-simulator-history", request_timeout_ms=60_000)
    await producer.start()
    # The default partitioner's choice (murmur2 of the key, as every Minqing producer), computed once per
    # aggregate: aiokafka's murmur2 is pure Python and would cost a third of the time per event.
    from aiokafka.partitioner import murmur2

    layout = {spec.name: sorted(await producer.partitions_for(spec.name)) for spec in STREAMS.values()}
    chosen: dict[tuple[str, bytes], int] = {}

    def partition_of(topic: str, key: bytes) -> int:
        found = chosen.get((topic, key))
        if found is None:
            parts = layout[topic]
            found = chosen[(topic, key)] = parts[(murmur2(key) & 0x7FFFFFFF) % len(parts)]
        return found

    bar = _progress(days, progress)
    started = time.perf_counter()
    try:
        pending: list[asyncio.Future[Any]] = []
        batches: dict[tuple[str, int], Any] = {}
        current_day = start
        for payload, record in encoded(generate(start, days, seed, scale), seed=seed,
                                       salt=f"{start.isoformat()}:{days}:{scale}", encoder=encoder):
            day = payload.occurred_at.date()
            if day != current_day:
                bar.update((day - current_day).days)
                bar.set_postfix(events=f"{stats.events:,}", refresh=False)
                current_day = day
            part = partition_of(record.topic, record.key)
            batch = batches.get((record.topic, part))
            if batch is None:
                batch = batches[(record.topic, part)] = producer.create_batch()
            if batch.append(key=record.key, value=record.value, timestamp=None, headers=record.headers) is None:
                batch.close()
                pending.append(await producer.send_batch(batch, record.topic, partition=part))
                batch = batches[(record.topic, part)] = producer.create_batch()
                batch.append(key=record.key, value=record.value, timestamp=None, headers=record.headers)
            stats.events += 1
            stats.bytes += len(record.value)
            stats.per_type[payload.event_type] += 1
            stats.per_topic[record.topic] += 1
            if len(pending) >= chunk // 100:
                await asyncio.gather(*pending)
                pending.clear()
        for (topic, part), batch in batches.items():
            if batch.record_count():
                batch.close()
                pending.append(await producer.send_batch(batch, topic, partition=part))
        await producer.flush()
        if pending:
            await asyncio.gather(*pending)
        bar.update(max(0, days - bar.n))
    finally:
        bar.close()
        await producer.stop()
    stats.seconds = time.perf_counter() - started
    if print_summary:
        sys.stdout.write(stats.summary() + "\n")
    return stats
