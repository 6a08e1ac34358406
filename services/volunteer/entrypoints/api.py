"""HTTP API of the volunteer service (志愿服务): `uvicorn services.volunteer.entrypoints.api:app`.

The module-level `app` is only built here; its resources (pool, migrations, relay) open in the
lifespan, from settings read at start-up.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from minqing_kit.service_app import create_service_app
from services.volunteer.bootstrap import MIGRATIONS, Clock, bootstrap
from services.volunteer.entrypoints.routes import activities, network, public, requests, volunteers
from services.volunteer.settings import VolunteerSettings

DESCRIPTION = """新时代文明实践志愿服务：点单 → 审单 → 派单 → 接单 → 评单，服务队、志愿者、服务时长与证明。

Volunteer service: requests (微心愿) from order to rating, teams, volunteers, hours and certificates.
Personal data is encrypted at rest and shown only to roles that may see it; events carry none."""


def create_volunteer_app(settings: Callable[[], VolunteerSettings] = VolunteerSettings,
                         clock: Clock | None = None) -> FastAPI:
    return create_service_app(
        service="volunteer", title="民情 · 志愿服务 Minqing Volunteer Service", description=DESCRIPTION, settings=settings,
        migrations=[("volunteer", MIGRATIONS)], wire=lambda rt, cfg: bootstrap(rt, cfg, clock),
        routers=[m.router for m in (requests, network, volunteers, activities, public)])


app = create_volunteer_app()
