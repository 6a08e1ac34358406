"""Run one Minqing service process against the local stack (used by the Procfile).

    python -m devstack service petition api       # uvicorn on its port
    python -m devstack service petition worker    # relay, watchers / faust agents; metrics port

Waits until Kafka (with the project's topics) and PostgreSQL answer, points the service's settings at
its own database, then replaces itself with the service process (so honcho's signals reach it).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

from devstack.errors import StackError
from devstack.kafka import admin_connection, credentials, kafka_for
from devstack.keys import ensure_keys
from devstack.postgres import PostgresNode
from devstack.settings import DevstackSettings, load_settings


@dataclass(frozen=True)
class ServicePorts:
    api: int
    metrics: int


SERVICES: dict[str, ServicePorts] = {
    "petition": ServicePorts(8101, 9201),
    "safety": ServicePorts(8102, 9202),
    "volunteer": ServicePorts(8103, 9203),
    "reporting": ServicePorts(8104, 9204),
    "identity": ServicePorts(8105, 9205),
    "liaison": ServicePorts(8106, 9206),
}


def service_environment(settings: DevstackSettings, service: str, role: str) -> dict[str, str]:
    ports = SERVICES[service]
    private_key, jwks = ensure_keys(settings)
    env = {
        "MINQING_SERVICE": service,
        "MINQING_DATABASE_URL": settings.pg_dsn(f"minqing_{service}"),
        "MINQING_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        # the service's own Kafka user (minqing_kit.kafka_access), its password from the stack home
        "MINQING_KAFKA_USERNAME": service,
        "MINQING_KAFKA_PASSWORD": credentials(settings)[service],
        "MINQING_METRICS_PORT": str(ports.metrics),
        # The worker runs the outbox relay; the API only writes (leader election makes both safe anyway).
        "MINQING_RUN_RELAY": "true" if role == "worker" else "false",
        # every service verifies with the public keys; only identity holds the private key
        "MINQING_JWT_PUBLIC_KEYS": str(jwks),
        # villages/departments the county admin maintains, merged into the division file (minqing_kit.reference)
        "MINQING_REFERENCE_URL": f"http://127.0.0.1:{SERVICES['identity'].api}/reference",
    }
    if service == "identity":
        env["MINQING_JWT_PRIVATE_KEY_FILE"] = str(private_key)
        env["MINQING_COOKIE_SECURE"] = "false"  # http://127.0.0.1: a Secure cookie would never be sent
        # demo accounts planned by ./scripts/platform (services.identity.entrypoints.seed plan)
        env["MINQING_DEMO_ACCOUNTS_FILE"] = str(settings.home / "demo-accounts.json")
    for other, other_ports in SERVICES.items():
        env.setdefault(f"MINQING_{other.upper()}_URL", f"http://127.0.0.1:{other_ports.api}")
    inherited = {k: v for k, v in os.environ.items() if k.startswith("MINQING_") and k not in env}
    if service != "identity":  # the private key never reaches another service, even if exported in the shell
        inherited.pop("MINQING_JWT_PRIVATE_KEY_FILE", None)
    return {**env, **inherited}


def _topics_exist(settings: DevstackSettings) -> bool:
    from kafka import KafkaAdminClient

    from minqing_contract.topics import ALL_TOPICS

    admin = KafkaAdminClient(**admin_connection(settings).options(), request_timeout_ms=5000)
    try:
        return {t.name for t in ALL_TOPICS} <= set(admin.list_topics())
    finally:
        admin.close()


def wait_for_stack(settings: DevstackSettings, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            PostgresNode(settings).wait_ready()
            kafka_for(settings).wait_ready()
            if _topics_exist(settings):
                return
        except StackError:
            pass
        if time.monotonic() > deadline:
            raise StackError(f"Kafka/PostgreSQL not ready after {timeout_s:.0f}s")
        time.sleep(1.0)


API_GRACEFUL_SHUTDOWN_S = 3


def command_for(service: str, role: str, *, port: int | None = None) -> list[str]:
    python = sys.executable
    if role == "api":
        return [python, "-m", "uvicorn", f"services.{service}.entrypoints.api:app", "--host", "127.0.0.1",
                "--port", str(port or SERVICES[service].api), "--no-access-log",
                # bound the wait for in-flight requests on SIGTERM (uvicorn waits forever by default); with
                # the runtime's bounded shutdown the process is gone within 10 s, database or not
                "--timeout-graceful-shutdown", str(API_GRACEFUL_SHUTDOWN_S),
                # served under /<service>/ by the proxy (deploy/nginx): /docs then loads /<service>/openapi.json
                "--root-path", f"/{service}"]
    return [python, "-m", f"services.{service}.entrypoints.worker"]


def run_service(service: str, role: str) -> int:
    if service not in SERVICES or role not in ("api", "worker"):
        raise StackError(f"unknown service/role {service}/{role}")
    settings = load_settings()
    wait_for_stack(settings)
    env = {**os.environ, **service_environment(settings, service, role)}
    argv = command_for(service, role)
    os.execvpe(argv[0], argv, env)
    return 0  # not reached
