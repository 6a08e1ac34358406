"""Topic names, partitioning and retention — created by the project, never auto-created."""

from __future__ import annotations

from dataclasses import dataclass, field


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
                          "统一身份 audit trail: sign-ins, failures, lockouts, account changes; keyed by account id",
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


def create_topics(bootstrap: str, replication_factor: int = 1) -> list[str]:
    """Create every missing project topic (admin task: kafka-python's synchronous admin client)."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="minqing-topics")
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(spec.name, num_partitions=spec.partitions, replication_factor=replication_factor,
                     topic_configs=spec.config)
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
    args = parser.parse_args()
    created = create_topics(args.bootstrap, args.replication_factor)
    sys.stdout.write(f"created: {', '.join(created) or 'nothing (all present)'}\n")


if __name__ == "__main__":
    main()
