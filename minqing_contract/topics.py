"""Topic names, partitioning and retention — created by the project, never auto-created."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    description: str
    config: dict[str, str] = field(default_factory=dict)


# Domain streams keep their history forever: the reporting service replays them from the start.
_KEEP_FOREVER = {"retention.ms": "-1", "cleanup.policy": "delete", "min.insync.replicas": "1"}

STREAMS: dict[str, TopicSpec] = {
    "petition": TopicSpec("minqing.petition.events", 6, "信访/民情 matters, keyed by matter id", _KEEP_FOREVER),
    "safety": TopicSpec("minqing.safety.events", 6, "安监 facts, keyed by enterprise id", _KEEP_FOREVER),
    "volunteer": TopicSpec("minqing.volunteer.events", 6,
                           "志愿服务 requests, teams, activities and hours, keyed by aggregate id", _KEEP_FOREVER),
    "identity": TopicSpec("minqing.identity.events", 3,
                          "统一身份 audit trail: sign-ins, failures, lockouts, account changes (keyed by account id); "
                          "reference data: villages and departments (keyed by their code)",
                          _KEEP_FOREVER),
    "liaison": TopicSpec("minqing.liaison.events", 6,
                         "驻村联户 stationings, households, visits and problems raised, keyed by aggregate id",
                         _KEEP_FOREVER),
}

#: Messages a consumer could not decode or apply, with the reason and the original bytes.
DEAD_LETTER = TopicSpec(
    "minqing.deadletter", 3, "Dead letters of every consumer (headers: dlq_consumer, dlq_reason, source topic/partition/offset)",
    {"retention.ms": str(30 * 24 * 3600 * 1000)},
)

ALL_TOPICS: tuple[TopicSpec, ...] = (*STREAMS.values(), DEAD_LETTER)


def topic_for_stream(stream: str) -> str:
    return STREAMS[stream].name


def create_topics(bootstrap: Any, replication_factor: int = 1, min_insync: int = 1) -> list[str]:
    """Create every missing project topic (admin task: kafka-python's synchronous admin client).

    `bootstrap`: an address, or a `minqing_kit.kafka_auth.KafkaConnection` of a user allowed to create
    topics (the secured broker refuses anyone else). A cluster passes replication factor 3 and
    `min_insync` 2 (an acks=all write then survives a lost broker)."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    options = bootstrap.options() if hasattr(bootstrap, "options") else {"bootstrap_servers": bootstrap}
    admin = KafkaAdminClient(**options, client_id="minqing-topics")
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(spec.name, num_partitions=spec.partitions, replication_factor=replication_factor,
                     topic_configs={**spec.config, "min.insync.replicas": str(min_insync)})
            for spec in ALL_TOPICS if spec.name not in existing
        ]
        created = []
        for topic in wanted:
            try:
                admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:  # another process created it meanwhile
                pass
        return created
    finally:
        admin.close()


def main() -> None:
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Create Minqing's Kafka topics")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--replication-factor", type=int, default=1)
    parser.add_argument("--min-insync", type=int, default=1)
    args = parser.parse_args()
    created = create_topics(args.bootstrap, args.replication_factor, args.min_insync)
    sys.stdout.write(f"created: {', '.join(created) or 'nothing (all present)'}\n")


if __name__ == "__main__":
    main()
