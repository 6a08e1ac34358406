"""HTTP API of the liaison service (干部直接联系群众 / 驻村联户): `uvicorn services.liaison.entrypoints.api:app`.

The module-level `app` is only built here; its resources (pool, migrations, relay) open in the
lifespan, from settings read at start-up.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from minqing_kit.service_app import create_service_app
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
    return create_service_app(
        service="liaison", title="民情 · 驻村联户 Minqing Liaison Service", description=DESCRIPTION, settings=settings,
        migrations=[("liaison", MIGRATIONS)], wire=lambda rt, cfg: bootstrap(rt, cfg, clock),
        routers=[m.router for m in (cadres, stationings, conduct, households, visits)])


app = create_liaison_app()
