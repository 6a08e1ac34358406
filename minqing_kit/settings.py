"""Settings base shared by every service (pydantic-settings, environment variables `MINQING_*`).

Each service subclasses `ServiceSettings` (one class per service) and adds its own knobs. Secrets have
development defaults so a newcomer's first command works; outside `development`/`test` those defaults
are refused at start-up, as the FastAPI template does.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, PostgresDsn, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"
DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key-change-me-0123456789"
# A valid Fernet key, public on purpose: only ever used in development and tests.
DEV_PII_KEY = "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMDAwMDA="

Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINQING_", env_file=None, extra="ignore")

    service: str = "minqing"
    env: Environment = "development"
    database_url: PostgresDsn = Field(default=PostgresDsn("postgresql://postgres@127.0.0.1:5432/postgres"))
    kafka_bootstrap: str = "127.0.0.1:9092"
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "minqing"
    jwt_ttl_minutes: int = Field(default=12 * 60, gt=0)
    pseudonym_key: SecretStr = SecretStr(DEV_PSEUDONYM_KEY)
    pii_key: SecretStr = SecretStr(DEV_PII_KEY)
    county_code: str = Field(default="990102000000", pattern=r"^\d{12}$")
    log_level: str = "INFO"
    log_json: bool = True
    metrics_port: int | None = None
    #: Request bodies above this many bytes are refused with 413 (every service's HTTP API).
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    """Where a worker process serves /metrics (the API serves them on its own port)."""
    run_relay: bool = True
    """Run the outbox relay inside the API process (development); production runs it in the worker."""

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Self:
        if self.env in ("development", "test"):
            return self
        defaults = {
            "MINQING_JWT_SECRET": (self.jwt_secret, DEV_JWT_SECRET),
            "MINQING_PSEUDONYM_KEY": (self.pseudonym_key, DEV_PSEUDONYM_KEY),
            "MINQING_PII_KEY": (self.pii_key, DEV_PII_KEY),
        }
        bad = [name for name, (value, default) in defaults.items() if value.get_secret_value() == default]
        if bad:
            raise ValueError(f"{', '.join(bad)} still hold development defaults; set real secrets in {self.env}")
        short = [name for name, (value, _) in defaults.items()
                 if name != "MINQING_PII_KEY" and len(value.get_secret_value()) < 32]
        if short:
            raise ValueError(f"{', '.join(short)} must be at least 32 characters in {self.env}")
        return self

    @property
    def dsn(self) -> str:
        return str(self.database_url)
