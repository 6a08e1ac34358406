"""Settings of the identity service (env `MINQING_*`)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from minqing_kit.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    service: str = "identity"
    metrics_port: int | None = 9205
    #: The Ed25519 private key that signs every access token (PEM). Only this service holds it.
    jwt_private_key_file: Path | None = None
    #: Lifetime of an access token: a disabled account's session stops within it (refresh is refused).
    access_minutes: float = Field(default=10, gt=0, le=60)
    #: Lifetime of a refresh token (one sign-in's session, rotated on each use).
    refresh_hours: float = Field(default=12, gt=0, le=24 * 30)
    #: Lifetime of a machine client's token (client_credentials).
    client_token_minutes: float = Field(default=30, gt=0, le=24 * 60)
    #: `Secure` on the session cookies: on in production; devstack turns it off for http://127.0.0.1.
    cookie_secure: bool = True
    #: Path of the refresh cookie: the sign-in API as the browser sees it through the proxy.
    refresh_cookie_path: str = "/identity/auth"
    #: Demo only: a JSON file of accounts to create at start-up when absent (devstack; refused in production).
    demo_accounts_file: Path | None = None

    @model_validator(mode="after")
    def _production_rules(self) -> Self:
        if self.env == "production":
            if not self.cookie_secure:
                raise ValueError("MINQING_COOKIE_SECURE must stay on in production (cookies over TLS only)")
            if self.demo_accounts_file is not None:
                raise ValueError("MINQING_DEMO_ACCOUNTS_FILE: production never seeds demo accounts")
            if self.jwt_private_key_file is None:
                raise ValueError("MINQING_JWT_PRIVATE_KEY_FILE is required: the identity service signs tokens")
        return self
