"""Kafka and PostgreSQL together: what `devstack up` and the test session start."""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devstack.errors import StackError
from devstack.kafka import (
    KafkaCluster,
    KafkaNode,
    admin_connection,
    bootstrap_access,
    kafka_for,
    service_connection,
)
from devstack.postgres import PostgresNode
from devstack.settings import DevstackSettings
from minqing_kit.kafka_access import SERVICE_NAMES
from minqing_kit.kafka_auth import KafkaConnection


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    settings: DevstackSettings
    kafka: KafkaNode | KafkaCluster = field(init=False)
    postgres: PostgresNode = field(init=False)
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.kafka = kafka_for(self.settings)
        self.postgres = PostgresNode(self.settings)

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    @property
    def kafka_admin(self) -> KafkaConnection:
        """The super user `admin`: for devstack and test helpers that read and write topics directly."""
        return admin_connection(self.settings)

    def kafka_as(self, service: str) -> KafkaConnection:
        """A service's own credential (its ACLs: minqing_kit.kafka_access)."""
        return service_connection(self.settings, service)

    def kafka_env(self, service: str | None = None) -> dict[str, str]:
        """`MINQING_KAFKA_*` for a service process: its own user when the access table has a row for it
        (so the tests run the services under their real ACLs), else `admin` (test-only services)."""
        conn = self.kafka_as(service) if service in SERVICE_NAMES else self.kafka_admin
        return {"MINQING_KAFKA_BOOTSTRAP": conn.bootstrap, "MINQING_KAFKA_USERNAME": conn.username or "",
                "MINQING_KAFKA_PASSWORD": conn.password or ""}

    def kafka_settings(self, service: str | None = None) -> dict[str, str]:
        """The same as settings keyword arguments (`kafka_bootstrap=…, kafka_username=…`)."""
        return {k.removeprefix("MINQING_").lower(): v for k, v in self.kafka_env(service).items()}

    def dsn(self, database: str = "postgres") -> str:
        return self.settings.pg_dsn(database)

    def start(self) -> None:
        """Start both (in parallel), wait for real readiness, create the service databases."""
        t0 = time.monotonic()
        try:
            self.postgres.start()
            self.kafka.start()
            self.timings["postgres_ready_s"] = self.postgres.wait_ready()
            self.postgres.create_databases()
            self.timings["kafka_ready_s"] = self.kafka.wait_ready()
            bootstrap_access(self.settings)
        except StackError:
            self.stop()
            raise
        self.timings["total_s"] = time.monotonic() - t0

    def create_topics(self) -> list[str]:
        """The project's topics, replicated as this stack's mode says (1/1, or 3 with min.insync 2)."""
        from minqing_contract.topics import ALL_TOPICS, create_topics

        created = create_topics(self.kafka_admin, self.settings.kafka_replication_factor, self.settings.kafka_min_insync)
        wait_for_topics(self.kafka_admin, [t.name for t in ALL_TOPICS])
        return created

    def stop(self) -> None:
        self.kafka.stop()
        self.postgres.stop()


def wait_for_topics(kafka: KafkaConnection, names: list[str], timeout_s: float = 60.0) -> None:
    """Until every broker asked knows every partition of `names` (a new topic's metadata spreads through
    the cluster after the create call returns)."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(**kafka.options(), request_timeout_ms=5000)
    deadline = time.monotonic() + timeout_s
    clean = 0
    try:
        while True:
            described = admin.describe_topics(names)
            missing = [t["name"] for t in described if t["error_code"] or not t["partitions"]
                       or any(p["leader_id"] < 0 for p in t["partitions"])]
            clean = 0 if missing else clean + 1
            if clean >= 5:  # several answers in a row (not every broker has caught up at the first)
                return
            if time.monotonic() > deadline:
                raise StackError(f"topics {missing} without partitions or leaders after {timeout_s:.0f}s")
            time.sleep(0.2)
    finally:
        admin.close()


@contextmanager
def temporary_stack(prefix: str, **overrides: object) -> Iterator[Stack]:
    """A throwaway stack (tests, benchmarks): free ports, its own temporary home, removed afterwards —
    also when starting fails. Java, pg_bin and the jar cache still come from the environment."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    brokers = int(overrides.get("kafka_brokers", 1))  # type: ignore[call-overload]
    if brokers > 1:  # every node's ports free too; three JVMs share the machine: smaller heaps
        overrides = {"kafka_heap": "384m", "kafka_node_ports": tuple(free_port() for _ in range(brokers - 1)),
                     "kafka_node_controller_ports": tuple(free_port() for _ in range(brokers - 1)), **overrides}
    settings = DevstackSettings(home=home, kafka_port=free_port(), kafka_controller_port=free_port(),
                                pg_port=free_port(), **{"kafka_heap": "768m", **overrides})  # type: ignore[arg-type]
    stack = Stack(settings)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(home, ignore_errors=True)
