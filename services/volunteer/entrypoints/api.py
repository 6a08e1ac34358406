"""HTTP API of the volunteer service (志愿服务): `uvicorn services.volunteer.entrypoints.api:app`.

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
from services.volunteer.bootstrap import MIGRATIONS, Clock, bootstrap
from services.volunteer.entrypoints.routes import activities, network, public, requests, volunteers
from services.volunteer.settings import VolunteerSettings

DESCRIPTION = """新时代文明实践志愿服务：点单 → 审单 → 派单 → 接单 → 评单，服务队、志愿者、服务时长与证明。

Volunteer service: requests (微心愿) from order to rating, teams, volunteers, hours and certificates.
Personal data is encrypted at rest and shown only to roles that may see it; events carry none."""


def create_volunteer_app(settings: Callable[[], VolunteerSettings] = VolunteerSettings,
                         clock: Clock | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cfg = settings()
        async with ServiceRuntime.open(cfg, migrations=[("volunteer", MIGRATIONS)]) as rt:
            app.state.runtime = rt
            app.state.tokens = rt.tokens
            app.state.ready_checks = rt.ready_checks()
            app.state.deps = bootstrap(rt, cfg, clock)
            async with refreshing(app.state.deps.deps.county, cfg.reference_url, cfg.reference_refresh_s):
                yield

    app = create_app(service="volunteer", title="民情 · 志愿服务 Minqing Volunteer Service", tokens=None,
                     lifespan=lifespan, description=DESCRIPTION)
    app.add_middleware(AdmissionLimit)  # at most the pool's size in progress; the rest: 503 at once
    for module in (requests, network, volunteers, activities, public):
        app.include_router(module.router)
    return app


app = create_volunteer_app()
