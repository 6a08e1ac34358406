"""HTTP API of the identity service (统一身份): `uvicorn services.identity.entrypoints.api:app`.

Staff sign-in and sessions, accounts, machine clients, the audit trail and the JWKS the other
services verify tokens with. Served under /identity/ by the proxy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from minqing_kit.http import create_app
from minqing_kit.runtime import ServiceRuntime
from services.identity.bootstrap import MIGRATIONS, Clock, bootstrap
from services.identity.entrypoints.routes import accounts, audit, auth, clients, keys, reference
from services.identity.entrypoints.seed import load_demo_accounts, seed_accounts
from services.identity.service_layer import commands as c
from services.identity.settings import IdentitySettings

DESCRIPTION = """统一身份：工作人员账号、登录与会话、机器客户端、审计日志，以及各服务验签用的公钥 (JWKS)。

Identity service: staff accounts, sign-in (cookie session with CSRF, or bearer), refresh rotation,
machine clients (client credentials), the audit trail, and the public keys (JWKS) every service
verifies tokens with. Tokens are EdDSA-signed; only this service holds the private key."""


@dataclass(frozen=True)
class CookieSettings:
    secure: bool
    refresh_path: str


def create_identity_app(settings: Callable[[], IdentitySettings] = IdentitySettings,
                        clock: Clock | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cfg = settings()
        async with ServiceRuntime.open(cfg, migrations=[("identity", MIGRATIONS)]) as rt:
            service = bootstrap(rt, cfg, clock)
            app.state.runtime = rt
            app.state.deps = service
            # identity verifies with the keys it publishes (its own signer's included)
            app.state.tokens = service.deps.verifier
            app.state.ready_checks = rt.ready_checks()
            app.state.cookies = CookieSettings(cfg.cookie_secure, cfg.refresh_cookie_path)
            await service.bus.handle(c.SeedReference(), c.SYSTEM)  # the division file's baseline
            if cfg.demo_accounts_file is not None:  # development only (refused in production)
                await seed_accounts(service.bus, load_demo_accounts(cfg.demo_accounts_file))
            yield

    app = create_app(service="identity", title="民情 · 统一身份 Minqing Identity Service", tokens=None,
                     lifespan=lifespan, description=DESCRIPTION)
    for module in (auth, accounts, clients, audit, keys, reference):
        app.include_router(module.router)
    return app


app = create_identity_app()
