"""Composition root of the liaison service: wires the runtime's resources for the handlers.

Called from the FastAPI lifespan and the worker's main, never at import time.
"""

from __future__ import annotations

from pathlib import Path

from minqing_contract.divisions import load_county
from minqing_contract.ledger import LEDGER
from minqing_kit.bus import MessageBus
from minqing_kit.clock import Clock, system_clock
from minqing_kit.runtime import ServiceRuntime
from minqing_kit.service import by_name
from minqing_kit.workdays import WorkdayCalendar
from services.liaison.adapters.unit_of_work import LiaisonUnitOfWork, PostgresLiaisonUnitOfWork
from services.liaison.service_layer.bus import HANDLERS
from services.liaison.service_layer.deps import Deps, Service
from services.liaison.settings import LiaisonSettings

__all__ = ["MIGRATIONS", "Clock", "Deps", "Service", "bootstrap"]

MIGRATIONS = Path(__file__).resolve().parent / "adapters" / "migrations"


def bootstrap(rt: ServiceRuntime, settings: LiaisonSettings, clock: Clock | None = None) -> Service:
    county = load_county().copy()  # its own copy: refreshed in place (minqing_kit.reference)
    if county.code != settings.county_code:
        raise RuntimeError(f"division file is for county {county.code}, settings say {settings.county_code}")
    deps = Deps(clock=clock or system_clock, pseudonym=rt.pseudonym, cipher=rt.cipher, county=county,
                rule=settings.seasonal_rule(), calendar=WorkdayCalendar(), ledger=LEDGER, read=rt.uow)

    def uow() -> LiaisonUnitOfWork:
        return PostgresLiaisonUnitOfWork(rt.source, rt.cipher, pool=rt.pool)

    return Service(bus=MessageBus(uow, HANDLERS, by_name(deps)), deps=deps)
