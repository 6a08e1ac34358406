"""HTTP API of the safety service (安监): enterprises, inspections, hazards, 回头看, penalties, accidents.

Run: `uvicorn services.safety.entrypoints.api:app --port 8102` (or `python -m devstack service safety
api`). Resources (pool, relay, tokens) open in the lifespan, never at import time. Routes only
translate JSON into commands; rules, scope and state checks live in the handlers and the domain.
One router per resource in `routes/`, shared dependencies in `deps.py`.
"""

from __future__ import annotations

from fastapi import FastAPI

from minqing_kit.service_app import create_service_app
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
    return create_service_app(
        service="safety", title="民情 安监服务 (Minqing work-safety service)",
        description="企业台账、检查、隐患整改、回头看、处罚与停产、事故报告。"
                    " Enterprise register, inspections, hazards, follow-ups, penalties, accidents.",
        settings=lambda: settings or SafetySettings(), migrations=[("safety", MIGRATIONS)],
        wire=lambda rt, conf: bootstrap(rt, conf, clock),
        routers=[m.router for m in (enterprises, inspections, hazards, follow_ups, penalties, accidents, rulings)])


app = create_safety_app()
