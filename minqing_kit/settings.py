"""Settings base shared by every service (pydantic-settings, environment variables `MINQING_*`).

Each service subclasses `ServiceSettings` (one class per service) and adds its own knobs. Secrets have
development defaults so a newcomer's first command works; outside `development`/`test` those defaults
are refused at start-up, as the FastAPI template does, and so is every value published in this
repository (the examples in deploy/env.example and the k8s Secret template, test secrets, docs): a
deployment that copied an example would otherwise run with a key anyone can read. `PUBLISHED_SECRETS`
is kept by hand; tests/unit/kit/test_published_secrets.py fails when a file publishes a value that
is not in it (the image does not ship those files, so they cannot be read at start-up).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, PostgresDsn, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from minqing_kit.clock import load_zone
from minqing_kit.kafka_auth import KafkaConnection

DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key-change-me-0123456789"
# A valid Fernet key, public on purpose: only ever used in development and tests.
DEV_PII_KEY = "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMDAwMDA="

#: Every secret-like value written anywhere in the repository. Production refuses them all.
PUBLISHED_SECRETS = frozenset({
    DEV_PSEUDONYM_KEY, DEV_PII_KEY,
    # deploy/env.example
    "example-only-pseudonym-key-replace-me-0123456789ab",
    "ZXhhbXBsZS1vbmx5LXBpaS1rZXktcmVwbGFjZS1tZTA=",
    "example-only-db-password-replace-me",
    "example-only-grafana-password-replace-me",
    "example-only-kafka-admin-replace-me", "example-only-kafka-controller-replace-me",
    "example-only-kafka-petition-replace-me", "example-only-kafka-safety-replace-me",
    "example-only-kafka-volunteer-replace-me", "example-only-kafka-reporting-replace-me",
    "example-only-kafka-identity-replace-me", "example-only-kafka-liaison-replace-me",
    # deploy/k8s/base/secret.yaml
    "REPLACE_ME",
    # tests/unit/kit/test_auth_http.py: the former HS256 development secret, which must now be refused
    "dev-only-jwt-secret-change-me-0123456789",
})
#: Words that mark a placeholder, whatever its exact spelling.
PLACEHOLDER_MARKERS = ("example-only", "replace-me", "replace_me", "change-me", "changeme", "dev-only")


def published(value: str) -> bool:
    """True for a value from the repository (or one that says it is a placeholder)."""
    lowered = value.lower()
    return value in PUBLISHED_SECRETS or any(marker in lowered for marker in PLACEHOLDER_MARKERS)


def kafka_password_from_env(user: str) -> str:
    return os.environ.get(f"MINQING_KAFKA_PASSWORD_{user.upper().replace('.', '_').replace('-', '_')}", "")


Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINQING_", env_file=None, extra="ignore")

    service: str = "minqing"
    env: Environment = "development"
    database_url: PostgresDsn = Field(default=PostgresDsn("postgresql://postgres@127.0.0.1:5432/postgres"))
    kafka_bootstrap: str = "127.0.0.1:9092"
    #: The public keys tokens are verified with: a JWKS document, inline (`{"keys": [...]}`) or the path
    #: of a file holding one (the identity service publishes it at /identity/.well-known/jwks.json).
    #: Public keys only: no service but identity holds the private key, so no service can mint.
    #: Empty in development means every token is refused (devstack and the tests always set it).
    jwt_public_keys: str = ""
    #: The service's SASL/SCRAM-SHA-512 user on the broker (its ACLs: minqing_kit.kafka_access). Empty
    #: means an unauthenticated client, which a secured broker refuses; production requires both.
    kafka_username: str = ""
    kafka_password: SecretStr = SecretStr("")
    jwt_issuer: str = "minqing"
    pseudonym_key: SecretStr = SecretStr(DEV_PSEUDONYM_KEY)
    pii_key: SecretStr = SecretStr(DEV_PII_KEY)
    county_code: str = Field(default="990102000000", pattern=r"^\d{12}$")
    county_timezone: str = "Asia/Shanghai"
    """The zone every time is shown in (read by `minqing_kit.clock` from the same variable)."""
    log_level: str = "INFO"
    log_json: bool = True
    metrics_port: int | None = None
    #: Request bodies above this many bytes are refused with 413 (every service's HTTP API).
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    """Where a worker process serves /metrics (the API serves them on its own port)."""
    run_relay: bool = True
    """Run the outbox relay inside the API process (development); production runs it in the worker."""
    #: The identity service's public reference data (villages, departments the county admin maintains),
    #: merged into the division file every `reference_refresh_s` seconds (minqing_kit.reference). Empty:
    #: the file alone. Unreachable: the file (and the last good refresh) stay; never blocks start-up.
    reference_url: str = ""  # devstack, compose and k8s name identity; unset, nothing polls a stranger's port
    reference_refresh_s: float = Field(default=30.0, gt=0)

    @field_validator("county_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        load_zone(value)
        return value

    @model_validator(mode="after")
    def _own_kafka_password(self) -> Self:
        """One env file may hold every user's password (docker-compose): `MINQING_KAFKA_PASSWORD_<USER>`."""
        if self.kafka_username and not self.kafka_password.get_secret_value():
            self.kafka_password = SecretStr(kafka_password_from_env(self.kafka_username))
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Self:
        if self.env in ("development", "test"):
            return self
        defaults = {
            "MINQING_PSEUDONYM_KEY": (self.pseudonym_key, DEV_PSEUDONYM_KEY),
            "MINQING_PII_KEY": (self.pii_key, DEV_PII_KEY),
        }
        bad = [name for name, (value, default) in defaults.items() if value.get_secret_value() == default]
        if not self.kafka_username or not self.kafka_password.get_secret_value():
            bad.append("MINQING_KAFKA_USERNAME/MINQING_KAFKA_PASSWORD (empty: the broker refuses anonymous clients)")
        if bad:
            raise ValueError(f"{', '.join(bad)} still hold development defaults; set real secrets in {self.env}")
        # The PII key may list several Fernet keys (rotation): each one counts.
        candidates = {name: value.get_secret_value().split(",") if name == "MINQING_PII_KEY"
                      else [value.get_secret_value()] for name, (value, _) in defaults.items()}
        own = f" / MINQING_KAFKA_PASSWORD_{self.kafka_username.upper()}" if self.kafka_username else ""
        candidates[f"MINQING_KAFKA_PASSWORD{own}"] = [self.kafka_password.get_secret_value()]
        candidates["PGPASSWORD"] = [os.environ.get("PGPASSWORD") or ""]
        candidates["MINQING_DATABASE_URL (password)"] = [urlsplit(str(self.database_url)).password or ""]
        public = [name for name, values in candidates.items() if any(published(v.strip()) for v in values if v)]
        if public:
            raise ValueError(f"{', '.join(public)} hold a value published in the repository (an example or"
                             f" placeholder anyone can read); generate real secrets for {self.env}")
        short = [name for name, (value, _) in defaults.items()
                 if name != "MINQING_PII_KEY" and len(value.get_secret_value()) < 32]
        if short:
            raise ValueError(f"{', '.join(short)} must be at least 32 characters in {self.env}")
        if not self.jwt_public_keys.strip():
            raise ValueError(f"MINQING_JWT_PUBLIC_KEYS is empty: give the identity service's public keys (JWKS) "
                             f"in {self.env}")
        try:  # the keys themselves are checked when the runtime builds its verifier (minqing_kit.auth.KeySet)
            text = self.jwt_public_keys.strip()
            document = json.loads(text if text.startswith("{") else Path(text).read_text(encoding="utf-8"))
            keys = document.get("keys") if isinstance(document, dict) else None
        except (OSError, ValueError) as exc:
            raise ValueError(f"MINQING_JWT_PUBLIC_KEYS is not a readable JWKS document: {exc}") from None
        if not isinstance(keys, list) or not keys:
            raise ValueError(f"MINQING_JWT_PUBLIC_KEYS holds no key: every token would be refused in {self.env}")
        return self

    @property
    def kafka(self) -> KafkaConnection:
        """Every Kafka client of the service is built from this (address + its SCRAM credential)."""
        return KafkaConnection(self.kafka_bootstrap, self.kafka_username or None,
                               self.kafka_password.get_secret_value() or None)

    @property
    def dsn(self) -> str:
        return str(self.database_url)
