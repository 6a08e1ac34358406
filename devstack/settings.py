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
                     "minqing_identity")


class DevstackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINQING_DEV_", extra="ignore")

    home: Path = REPO_ROOT / ".devstack"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    kafka_heap: str = "512m"
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
    databases: tuple[str, ...] = SERVICE_DATABASES
    ready_timeout_s: float = 120.0

    @property
    def kafka_dir(self) -> Path:
        return self.home / "kafka"

    @property
    def pg_dir(self) -> Path:
        return self.home / "postgres"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def pg_dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.pg_user}@127.0.0.1:{self.pg_port}/{database}"
