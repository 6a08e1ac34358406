"""The one way a domain service's HTTP app is wired (petition, safety, volunteer, liaison).

    app = create_service_app(service="safety", title=..., description=..., settings=SafetySettings,
                             migrations=[("safety", MIGRATIONS)], wire=lambda rt, cfg: bootstrap(rt, cfg, clock),
                             routers=[enterprises.router, ...])

In the lifespan, never at import time: the settings are read, the runtime opens (pool, migrations, relay,
token verifier), `wire` builds the `Service` (`app.state.deps`), `on_start` runs any start-up command, and
the county's villages and departments are refreshed from identity while the app serves. Every app gets the
kit's error mapping, metrics, health routes and body limit (`create_app`) and the admission limit (at most
the pool's size in progress; the rest 503 at once).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from fastapi import APIRouter, FastAPI

from minqing_contract.divisions import County
from minqing_kit.admission import AdmissionLimit
from minqing_kit.http import create_app
from minqing_kit.reference import refreshing
from minqing_kit.runtime import ServiceRuntime
from minqing_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


class _WithCounty(Protocol):
    county: County


class Wired(Protocol):
    """What `wire` returns: a `minqing_kit.service.Service` whose deps hold the county."""

    @property
    def deps(self) -> _WithCounty: ...


W = TypeVar("W", bound=Wired)


def create_service_app(*, service: str, title: str, description: str, settings: Callable[[], S],
                       migrations: list[tuple[str, Path]], wire: Callable[[ServiceRuntime, S], W],
                       routers: Sequence[APIRouter],
                       on_start: Callable[[FastAPI, W, S], Awaitable[Any]] | None = None) -> FastAPI:
    """A domain service's app; `settings` is called when the lifespan starts (tests pass their own)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cfg = settings()
        async with ServiceRuntime.open(cfg, migrations=migrations) as rt:
            app.state.runtime = rt
            app.state.tokens = rt.tokens
            app.state.ready_checks = rt.ready_checks()
            app.state.deps = wired = wire(rt, cfg)
            if on_start is not None:
                await on_start(app, wired, cfg)
            async with refreshing(wired.deps.county, cfg.reference_url, cfg.reference_refresh_s):
                yield

    app = create_app(service=service, title=title, tokens=None, lifespan=lifespan, description=description)
    app.add_middleware(AdmissionLimit)
    for router in routers:
        app.include_router(router)
    return app
