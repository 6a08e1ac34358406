"""The outbox hashes partitions on the write path exactly as Kafka's default partitioner would."""

from __future__ import annotations

import uuid

from aiokafka.partitioner import DefaultPartitioner

from minqing_kit.outbox import default_partition


def test_stored_partition_matches_the_default_partitioner() -> None:
    partitioner = DefaultPartitioner()
    seen = set()
    for _ in range(500):
        key = str(uuid.uuid4()).encode()
        chosen = default_partition(key, 6)
        assert chosen == partitioner(key, list(range(6)), list(range(6)))
        seen.add(chosen)
    assert seen == set(range(6))


def test_java_reference_value() -> None:
    # Kafka's Java Utils.murmur2("21".getBytes()) = -973932308 → toPositive % 6 == 0 … computed by the Java
    # client; pinned so a change of hash function cannot pass silently.
    assert default_partition(b"21", 6) == (-973932308 & 0x7FFFFFFF) % 6
