"""HTTP API of the petition service (信访 / 民情诉求): a router per resource in `routes/`, over the bus.

Run: `uvicorn services.petition.entrypoints.api:app --port 8101` (or `python -m devstack service
petition api`). Resources (pool, relay, tokens) open in the lifespan, never at import time.
Errors are mapped by the kit: DomainError → 4xx naming field and rule, IllegalTransition → 409 with
the allowed actions. The public lookup (`/public/...`) needs no token: it shows the dated public
timeline only, and acting on it (rating, 复查/复核 requests) needs the code plus the phone's last 4 digits.
The code is shown once, in the registration response (the receipt); no staff view returns it. Wrong
answers are limited per code (PostgreSQL, 423 when locked) and per client address (429); both refusals
carry `Retry-After`.
"""

from __future__ import annotations

from fastapi import FastAPI

from minqing_kit.service_app import create_service_app

from ..adapters.clock import Clock
from ..bootstrap import MIGRATIONS, bootstrap
from ..service_layer.commands import SYSTEM, HashClearLookupCodes, SeedCalendar
from ..service_layer.deps import Service
from ..settings import PetitionSettings
from .ratelimit import RateLimiter
from .routes import calendar, matters, public, repeat_hints


async def _on_start(app: FastAPI, service: Service, conf: PetitionSettings) -> None:
    """Receipt codes still stored in clear are hashed, the work calendar seeded; the public routes' limits."""
    await service.bus.handle(HashClearLookupCodes(), SYSTEM)
    await service.bus.handle(SeedCalendar(), SYSTEM)
    app.state.limiter = RateLimiter(conf.public_lookups_per_minute, 60.0)
    app.state.receipt_failures = RateLimiter(
        conf.public_failures_per_hour, 3600.0, rule="failed_attempts",
        message="验证失败次数过多，请稍后再试 (too many failed receipt checks from this address; try later)")


def create_petition_app(settings: PetitionSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The app; settings are read (from env) when the lifespan starts, unless given."""
    return create_service_app(
        service="petition", title="Minqing 信访 / Petition service",
        description="信访事项登记、转送交办、受理、答复、评价、复查复核、督办与公开查询。"
                    " Petition intake, routing, handling, reviews, supervision and public lookup.",
        settings=lambda: settings or PetitionSettings(), migrations=[("petition", MIGRATIONS)],
        wire=lambda rt, conf: bootstrap(rt, conf, clock),
        routers=[m.router for m in (matters, public, calendar, repeat_hints)], on_start=_on_start)


app = create_petition_app()
