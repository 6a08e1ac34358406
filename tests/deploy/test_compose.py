"""docker-compose.yml: valid for Debian's docker-compose, complete, healthy ordering, secrets from the env file."""

from __future__ import annotations

import os

import pytest
import yaml

from .conftest import REPO, SERVICES, run

LONG_RUNNING = {"kafka", "postgres", "prometheus", "grafana"} | {
    f"{svc}-{role}" for svc in SERVICES for role in ("api", "worker")
}


@pytest.fixture(scope="module")
def resolved(docker_compose: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINQING_", "COMPOSE_"))}
    out = run([docker_compose, "-f", str(REPO / "docker-compose.yml"), "config"], env=env)
    return yaml.safe_load(out.stdout)


def test_docker_compose_config_quiet(docker_compose: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINQING_", "COMPOSE_"))}
    run([docker_compose, "-f", str(REPO / "docker-compose.yml"), "config", "-q"], env=env)


def test_every_planned_service_is_present(resolved: dict) -> None:
    assert set(resolved["services"]) == LONG_RUNNING | {"topic-init"}


def test_images_and_commands(resolved: dict) -> None:
    services = resolved["services"]
    assert services["kafka"]["image"] == "apache/kafka:3.9.1"
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["postgres"]["image"] == "postgres:15"
    assert services["topic-init"]["command"][:3] == ["python", "-m", "minqing_contract.topics"]
    for svc, (api_port, worker_port) in SERVICES.items():
        api, worker = services[f"{svc}-api"], services[f"{svc}-worker"]
        assert api["command"][:2] == ["uvicorn", f"services.{svc}.entrypoints.api:app"]
        assert str(api_port) in api["command"]
        assert worker["command"] == ["python", "-m", f"services.{svc}.entrypoints.worker"]
        assert worker["environment"]["MINQING_METRICS_PORT"] == str(worker_port)
        for s in (api, worker):
            assert s["build"]["dockerfile"] == "deploy/Dockerfile"
            assert s["environment"]["MINQING_DATABASE_URL"].endswith(f"/{svc}")
            assert s["environment"]["MINQING_ENV"] == "production"
        assert f"{api_port}/readyz" in " ".join(api["healthcheck"]["test"])
        assert f"{worker_port}/metrics" in " ".join(worker["healthcheck"]["test"])


def test_healthchecks_and_ordering(resolved: dict) -> None:
    services = resolved["services"]
    for name in LONG_RUNNING:
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    for svc in SERVICES:
        deps = services[f"{svc}-api"]["depends_on"]
        assert deps["kafka"]["condition"] == "service_healthy"
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["topic-init"]["condition"] == "service_completed_successfully"
        assert services[f"{svc}-worker"]["depends_on"][f"{svc}-api"]["condition"] == "service_healthy"
    assert services["topic-init"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"


def test_secrets_come_from_the_env_file_only(resolved: dict) -> None:
    compose_text = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    for secret in ("MINQING_JWT_SECRET", "MINQING_PSEUDONYM_KEY", "MINQING_PII_KEY", "PASSWORD"):
        assert secret not in compose_text, f"{secret} must come from the env file, not docker-compose.yml"
    example = (REPO / "deploy/env.example").read_text(encoding="utf-8")
    for key in ("MINQING_JWT_SECRET=", "MINQING_PSEUDONYM_KEY=", "MINQING_PII_KEY=", "POSTGRES_PASSWORD=",
                "PGPASSWORD="):
        assert key in example
    for svc in SERVICES:
        env = resolved["services"][f"{svc}-api"]["environment"]
        assert env["MINQING_JWT_SECRET"] and env["PGPASSWORD"] == env["POSTGRES_PASSWORD"]


def test_example_secrets_pass_production_settings() -> None:
    """The example env file is what a clean checkout runs: production settings must accept it."""
    from minqing_kit.settings import ServiceSettings

    values = dict(
        line.split("=", 1) for line in (REPO / "deploy/env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    settings = ServiceSettings(
        env="production", jwt_secret=values["MINQING_JWT_SECRET"], pseudonym_key=values["MINQING_PSEUDONYM_KEY"],
        pii_key=values["MINQING_PII_KEY"], database_url="postgresql://postgres:5432/petition",
    )
    from cryptography.fernet import Fernet

    Fernet(settings.pii_key.get_secret_value())


def test_postgres_init_creates_every_service_database() -> None:
    sql = (REPO / "deploy/postgres/init.sql").read_text(encoding="utf-8")
    for svc in SERVICES:
        assert f"CREATE DATABASE {svc};" in sql
