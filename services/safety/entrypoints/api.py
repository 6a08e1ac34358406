"""HTTP API of the safety service (安监): enterprises, inspections, hazards, 回头看, penalties, accidents.

Run: `uvicorn services.safety.entrypoints.api:app --port 8102` (or `python -m devstack service safety
api`). Resources (pool, relay, tokens) open in the lifespan, never at import time. Routes only
translate JSON into commands; rules, scope and state checks live in the handlers and the domain.
One router per resource in `routes/`, shared dependencies in `deps.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from minqing_kit.admission import AdmissionLimit
from minqing_kit.http import create_app
from minqing_kit.reference import refreshing
from minqing_kit.runtime import ServiceRuntime
from services.safety.adapters.clock import Clock
from services.safety.bootstrap import MIGRATIONS, bootstrap
from services.safety.entrypoints.routes import (
    accidents,
    enterprises,
    follow_ups,
    hazards,
    inspections,
    penalties,
    rulings,
)
from services.safety.settings import SafetySettings


def create_safety_app(*, settings: SafetySettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The safety app; `clock` lets tests move time (default: the system clock)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        conf = settings or SafetySettings()
        async with ServiceRuntime.open(conf, migrations=[("safety", MIGRATIONS)]) as rt:
            app.state.runtime = rt
            app.state.tokens = rt.tokens
            app.state.ready_checks = rt.ready_checks()
            app.state.deps = bootstrap(rt, conf, clock)
            async with refreshing(app.state.deps.deps.county, conf.reference_url, conf.reference_refresh_s):
                yield

    app = create_app(service="safety", title="民情 安监服务 (Minqing work-safety service)", tokens=None,
                     lifespan=lifespan,
                     description="企业台账、检查、隐患整改、回头看、处罚与停产、事故报告。"
                                 " Enterprise register, inspections, hazards, follow-ups, penalties, accidents.")
    app.add_middleware(AdmissionLimit)  # at most the pool's size in progress; the rest: 503 at once
    for module in (enterprises, inspections, hazards, follow_ups, penalties, accidents, rulings):
        app.include_router(module.router)
    return app


app = create_safety_app()
