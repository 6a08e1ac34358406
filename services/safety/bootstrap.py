"""Composition root of the safety service: wires the runtime's resources for the handlers.

Called from the FastAPI lifespan and the worker's main, never at import time.
"""

from __future__ import annotations

from pathlib import Path

from minqing_contract.divisions import load_county
from minqing_kit.bus import MessageBus
from minqing_kit.runtime import ServiceRuntime
from minqing_kit.service import by_name
from minqing_kit.workdays import WorkdayCalendar
from services.safety.adapters.clock import Clock, system_clock
from services.safety.adapters.unit_of_work import PostgresSafetyUnitOfWork, SafetyUnitOfWork
from services.safety.service_layer.bus import HANDLERS
from services.safety.service_layer.deps import Deps, Service
from services.safety.settings import SafetySettings

__all__ = ["MIGRATIONS", "Deps", "Service", "bootstrap"]

MIGRATIONS = Path(__file__).resolve().parent / "adapters" / "migrations"


def bootstrap(rt: ServiceRuntime, settings: SafetySettings, clock: Clock | None = None) -> Service:
    county = load_county().copy()  # its own copy: refreshed in place (minqing_kit.reference)
    if county.code != settings.county_code:
        raise RuntimeError(f"division file is for county {county.code}, settings say {settings.county_code}")
    deps = Deps(clock=clock or system_clock, cipher=rt.cipher, county=county, calendar=WorkdayCalendar(),
                read=rt.uow, overdue_batch=settings.safety_overdue_batch)

    def uow() -> SafetyUnitOfWork:
        return PostgresSafetyUnitOfWork(rt.source, rt.cipher, deps.clock, pool=rt.pool)

    return Service(bus=MessageBus(uow, HANDLERS, by_name(deps)), deps=deps)
