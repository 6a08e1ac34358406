"""HTTP API of the liaison service (干部直接联系群众 / 驻村联户): `uvicorn services.liaison.entrypoints.api:app`.

The module-level `app` is only built here; its resources (pool, migrations, relay) open in the
lifespan, from settings read at start-up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from minqing_kit.admission import AdmissionLimit
from minqing_kit.http import create_app
from minqing_kit.reference import refreshing
from minqing_kit.runtime import ServiceRuntime
from services.liaison.bootstrap import MIGRATIONS, Clock, bootstrap
from services.liaison.entrypoints.routes import cadres, conduct, households, stationings, visits
from services.liaison.settings import LiaisonSettings

DESCRIPTION = """干部直接联系群众 / 驻村联户：驻村干部在岗与每周驻村天数、周工作情况、五不准问题，联系户、帮扶计划、
干群联系卡，民情记录簿（走访），需交办的问题转为信访「民情走访」事项。

Liaison service: stationed cadres with daily presence against the seasonal weekly minimum, weekly
reports and 五不准 reports; households with help plans, pairing and contact cards; visits whose
problems become petition matters. Personal data is encrypted at rest; events carry pseudonyms only."""


def create_liaison_app(settings: Callable[[], LiaisonSettings] = LiaisonSettings,
                       clock: Clock | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cfg = settings()
        async with ServiceRuntime.open(cfg, migrations=[("liaison", MIGRATIONS)]) as rt:
            app.state.runtime = rt
            app.state.tokens = rt.tokens
            app.state.ready_checks = rt.ready_checks()
            app.state.deps = bootstrap(rt, cfg, clock)
            async with refreshing(app.state.deps.deps.county, cfg.reference_url, cfg.reference_refresh_s):
                yield

    app = create_app(service="liaison", title="民情 · 驻村联户 Minqing Liaison Service", tokens=None,
                     lifespan=lifespan, description=DESCRIPTION)
    app.add_middleware(AdmissionLimit)  # at most the pool's size in progress; the rest: 503 at once
    for module in (cadres, stationings, conduct, households, visits):
        app.include_router(module.router)
    return app


app = create_liaison_app()
