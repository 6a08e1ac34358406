"""docker-compose.yml: valid for Debian's docker-compose, complete, healthy ordering, secrets from the env file."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

from minqing_kit.auth import TokenSigner

from .conftest import REPO, SERVICES, run

LONG_RUNNING = {"kafka", "postgres", "prometheus", "grafana", "proxy"} | {
    f"{svc}-{role}" for svc in SERVICES for role in ("api", "worker")
}


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("MINQING_", "COMPOSE_"))}


@pytest.fixture(scope="module")
def env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An operator's env file: every key of deploy/env.example, with freshly generated values."""
    password = secrets.token_urlsafe(24)
    real = {"MINQING_JWT_PUBLIC_KEYS": json.dumps(TokenSigner.generate().key_set().jwks()),
            "MINQING_PSEUDONYM_KEY": secrets.token_urlsafe(48),
            "MINQING_PII_KEY": Fernet.generate_key().decode(), "POSTGRES_PASSWORD": password,
            "PGPASSWORD": password, "GF_SECURITY_ADMIN_PASSWORD": secrets.token_urlsafe(24),
            **{f"MINQING_KAFKA_PASSWORD_{user.upper()}": secrets.token_urlsafe(32)
               for user in ("admin", "controller", *SERVICES)}}
    lines = []
    for line in (REPO / "deploy/env.example").read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0]
        lines.append(f"{key}={real[key]}" if key in real else line)
    path = tmp_path_factory.mktemp("compose") / "minqing.env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def resolved(docker_compose: str, env_file: Path) -> dict:
    out = run([docker_compose, "-f", str(REPO / "docker-compose.yml"), "config"],
              env={**_clean_env(), "MINQING_ENV_FILE": str(env_file)})
    return yaml.safe_load(out.stdout)


def test_docker_compose_config_quiet(docker_compose: str, env_file: Path) -> None:
    run([docker_compose, "-f", str(REPO / "docker-compose.yml"), "config", "-q"],
        env={**_clean_env(), "MINQING_ENV_FILE": str(env_file)})


@pytest.mark.parametrize("value", [None, "deploy/no-such.env"])
def test_compose_refuses_to_start_without_a_real_env_file(docker_compose: str, value: str | None) -> None:
    """Before: without MINQING_ENV_FILE compose fell back to deploy/env.example and its public secrets."""
    env = _clean_env() if value is None else {**_clean_env(), "MINQING_ENV_FILE": value}
    proc = subprocess.run([docker_compose, "-f", str(REPO / "docker-compose.yml"), "config", "-q"], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode != 0
    assert ("MINQING_ENV_FILE" if value is None else "no-such.env") in proc.stderr


def test_forwarded_headers_trusted_only_from_the_proxy(resolved: dict) -> None:
    proxy = resolved["services"]["proxy"]
    address = proxy["networks"]["default"]["ipv4_address"]
    assert address == "172.28.0.10"
    subnet = resolved["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    for svc in SERVICES:
        api = resolved["services"][f"{svc}-api"]
        assert "*" not in " ".join(api["command"])
        assert api["environment"]["FORWARDED_ALLOW_IPS"] == address


def test_the_proxy_is_the_one_address(resolved: dict) -> None:
    """Only nginx publishes ports for the APIs (80 redirects, 443 with the operator's certificate); each API
    runs under its prefix's root path so /<service>/docs finds its openapi.json."""
    services = resolved["services"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert proxy["command"][-2:] == ["-c", "/etc/nginx/minqing/compose.conf"]
    published = {str(p["published"]) for p in proxy["ports"]}
    assert published == {"80", "443"}
    assert set(proxy["volumes"]) == {f"{REPO / 'deploy/nginx'}:/etc/nginx/minqing:ro",
                                     f"{REPO / 'deploy/tls'}:/etc/nginx/tls:ro",
                                     # the web front end: `root web;` under nginx's default prefix /etc/nginx/
                                     f"{REPO / 'web/dist'}:/etc/nginx/web:ro"}
    for svc in SERVICES:
        api = services[f"{svc}-api"]
        assert "ports" not in api, f"{svc}-api must be reached through the proxy only"
        assert api["command"][-2:] == ["--root-path", f"/{svc}"]
        assert proxy["depends_on"][f"{svc}-api"]["condition"] == "service_healthy"


def test_every_planned_service_is_present(resolved: dict) -> None:
    assert set(resolved["services"]) == LONG_RUNNING | {"topic-init"}


def test_images_and_commands(resolved: dict) -> None:
    services = resolved["services"]
    assert services["kafka"]["image"] == "apache/kafka:3.9.1"
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["postgres"]["image"] == "postgres:15"
    assert services["topic-init"]["command"] == ["python", "-m", "minqing_kit.kafka_access", "bootstrap"]
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
    for secret in ("MINQING_JWT_PUBLIC_KEYS", "MINQING_PSEUDONYM_KEY", "MINQING_PII_KEY", "PASSWORD"):
        assert secret not in compose_text, f"{secret} must come from the env file, not docker-compose.yml"
    example = (REPO / "deploy/env.example").read_text(encoding="utf-8")
    for key in ("MINQING_JWT_PUBLIC_KEYS=", "MINQING_PSEUDONYM_KEY=", "MINQING_PII_KEY=", "POSTGRES_PASSWORD=",
                "PGPASSWORD="):
        assert key in example
    for svc in SERVICES:
        env = resolved["services"][f"{svc}-api"]["environment"]
        assert env["MINQING_JWT_PUBLIC_KEYS"] and env["PGPASSWORD"] == env["POSTGRES_PASSWORD"]


def test_kafka_signs_everyone_in_and_each_service_is_its_own_user(resolved: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """The broker runs with SASL/SCRAM and ACLs (deploy/kafka/compose-broker.sh); each service signs in as
    itself with the password the env file holds for it; topic-init creates the users as admin."""
    from minqing_kit.kafka_access import SERVICE_NAMES
    from minqing_kit.settings import ServiceSettings

    services = resolved["services"]
    kafka = services["kafka"]
    assert kafka["command"] == ["bash", "/opt/minqing/compose-broker.sh"]
    assert f"{REPO / 'deploy/kafka'}:/opt/minqing:ro" in kafka["volumes"]
    assert "--command-config" in " ".join(kafka["healthcheck"]["test"])
    script = (REPO / "deploy/kafka/compose-broker.sh").read_text(encoding="utf-8")
    for line in ("allow.everyone.if.no.acl.found=false", "sasl.enabled.mechanisms=SCRAM-SHA-512",
                 "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,PLAINTEXT:SASL_PLAINTEXT",
                 "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"):
        assert line in script
    assert "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP" not in kafka["environment"]  # no PLAINTEXT left behind
    assert services["topic-init"]["environment"]["MINQING_KAFKA_USERNAME"] == "admin"
    example = (REPO / "deploy/env.example").read_text(encoding="utf-8")
    for svc in SERVICES:
        assert svc in SERVICE_NAMES
        assert f"MINQING_KAFKA_PASSWORD_{svc.upper()}=" in example
        for role in ("api", "worker"):
            env = services[f"{svc}-{role}"]["environment"]
            assert env["MINQING_KAFKA_USERNAME"] == svc
            for key, value in env.items():
                if key.startswith(("MINQING_", "PGPASSWORD")):
                    monkeypatch.setenv(key, value)
            settings = ServiceSettings()  # production: refuses a missing or published Kafka password
            assert settings.kafka_username == svc
            assert settings.kafka_password.get_secret_value() == env[f"MINQING_KAFKA_PASSWORD_{svc.upper()}"]


def test_example_secrets_are_refused_by_production_settings(env_file: Path) -> None:
    """A copied-but-unedited env file must not start: production refuses the public example values."""
    from pydantic import ValidationError

    from minqing_kit.settings import ServiceSettings

    def values(path: Path) -> dict[str, str]:
        lines = path.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))

    def settings(v: dict[str, str]) -> ServiceSettings:
        return ServiceSettings(env="production", jwt_public_keys=v["MINQING_JWT_PUBLIC_KEYS"],
                               pseudonym_key=v["MINQING_PSEUDONYM_KEY"], pii_key=v["MINQING_PII_KEY"],
                               kafka_username="petition", kafka_password=v["MINQING_KAFKA_PASSWORD_PETITION"],
                               database_url="postgresql://postgres:5432/petition")

    with pytest.raises(ValidationError, match="published in the repository"):
        settings(values(REPO / "deploy/env.example"))
    Fernet(settings(values(env_file)).pii_key.get_secret_value())


def test_postgres_init_creates_every_service_database() -> None:
    sql = (REPO / "deploy/postgres/init.sql").read_text(encoding="utf-8")
    for svc in SERVICES:
        assert f"CREATE DATABASE {svc};" in sql
