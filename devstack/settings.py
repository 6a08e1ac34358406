"""Settings of the local development stack (Kafka + PostgreSQL without Docker).

Every value can be overridden by an environment variable with the ``MINQING_DEV_`` prefix,
e.g. ``MINQING_DEV_KAFKA_PORT=19092``. The test session builds its own instance with free
ports and a temporary home, so it never touches a developer's running stack.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICE_DATABASES = ("minqing_petition", "minqing_safety", "minqing_volunteer", "minqing_reporting",
                     "minqing_identity", "minqing_liaison")


class DevstackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINQING_DEV_", extra="ignore")

    home: Path = REPO_ROOT / ".devstack"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    kafka_heap: str = "512m"
    #: 1: one combined broker+controller (the default). 3: three combined nodes, a 3-voter KRaft quorum,
    #: topics with replication factor 3 and min.insync.replicas=2 (docs/scaling.md).
    kafka_brokers: int = 1
    #: Broker ports of nodes 2..N in cluster mode (empty: kafka_port + 10, + 20, ...).
    kafka_node_ports: tuple[int, ...] = ()
    #: Controller ports of nodes 2..N in cluster mode (empty: kafka_controller_port + 10, + 20, ...).
    kafka_node_controller_ports: tuple[int, ...] = ()
    kafka_pom: Path = REPO_ROOT / "deploy" / "kafka" / "pom.xml"
    kafka_log4j: Path = REPO_ROOT / "deploy" / "kafka" / "log4j.properties"
    #: Where the resolved jars are cached (shared by every checkout on this machine).
    kafka_libs_cache: Path = Path.home() / ".cache" / "minqing" / "kafka-libs"
    java: str = "java"
    mvn: str = "mvn"
    pg_port: int = 5432
    #: Directory holding initdb/postgres/pg_ctl; empty means "find Debian's, install if missing".
    pg_bin: str = ""
    pg_user: str = "postgres"
    #: Durability off speeds up throwaway test clusters; keep on for a developer's data.
    pg_fsync: bool = True
    #: Load pg_stat_statements (statement counts, execution and planning time) — for benchmarks that
    #: want to see where PostgreSQL's time goes (bench/api.py --pg-stats); off by default.
    pg_stat_statements: bool = False
    #: More server settings, "name=value" each (passed as `-c`), e.g. ("autovacuum_naptime=1",).
    pg_options: tuple[str, ...] = ()
    databases: tuple[str, ...] = SERVICE_DATABASES
    ready_timeout_s: float = 120.0

    @property
    def demo_history_marker(self) -> Path:
        """Written once the demo's history is loaded (simulator.backfill); deleted by `devstack wipe`."""
        return self.home / "demo-history.json"

    @property
    def kafka_dir(self) -> Path:
        return self.home / "kafka"

    @property
    def pg_dir(self) -> Path:
        return self.home / "postgres"

    def kafka_ports(self) -> list[tuple[int, int]]:
        """(broker port, controller port) of every node, node 1 first."""
        ports = [(self.kafka_port, self.kafka_controller_port)]
        for i in range(1, self.kafka_brokers):
            broker = self.kafka_node_ports[i - 1] if len(self.kafka_node_ports) >= i else self.kafka_port + 10 * i
            controller = (self.kafka_node_controller_ports[i - 1] if len(self.kafka_node_controller_ports) >= i
                          else self.kafka_controller_port + 10 * i)
            ports.append((broker, controller))
        return ports

    @property
    def kafka_credentials_file(self) -> Path:
        """The stack's Kafka passwords (admin, controller, one per service): generated once per home, 0600."""
        return self.kafka_dir / "credentials.json"

    @property
    def kafka_bootstrap(self) -> str:
        """Every broker's address, comma-separated: clients reach the cluster while any one is up."""
        return ",".join(f"127.0.0.1:{broker}" for broker, _ in self.kafka_ports())

    @property
    def kafka_replication_factor(self) -> int:
        return min(self.kafka_brokers, 3)

    @property
    def kafka_min_insync(self) -> int:
        """2 of 3 in cluster mode: an acks=all write survives one broker lost, and still succeeds with one down."""
        return 2 if self.kafka_brokers >= 3 else 1

    def pg_dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.pg_user}@127.0.0.1:{self.pg_port}/{database}"


def load_settings(brokers: int | None = None) -> DevstackSettings:
    """Settings from the environment; the broker count from `brokers`, else from the environment, else
    from what `devstack up --brokers N` left on disk (so `down`, `status` and `service` find the cluster)."""
    settings = DevstackSettings()
    if brokers is None and settings.kafka_brokers == 1:
        nodes = len(list(settings.kafka_dir.glob("node-*")))
        brokers = nodes or None
    return settings.model_copy(update={"kafka_brokers": brokers}) if brokers else settings
