"""Composition root of the volunteer service: wires the runtime's resources for the handlers.

Called from the FastAPI lifespan and the worker's main, never at import time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from minqing_contract.divisions import load_county
from minqing_kit.clock import Clock, system_clock
from minqing_kit.runtime import ServiceRuntime
from services.volunteer.service_layer.deps import Deps
from services.volunteer.settings import VolunteerSettings

__all__ = ["MIGRATIONS", "Clock", "Deps", "bootstrap"]

MIGRATIONS = Path(__file__).resolve().parent / "adapters" / "migrations"


def bootstrap(rt: ServiceRuntime, settings: VolunteerSettings, clock: Clock | None = None) -> Deps:
    county = load_county()
    if county.code != settings.county_code:
        raise RuntimeError(f"division file is for county {county.code}, settings say {settings.county_code}")
    return Deps(uow=rt.uow, clock=clock or system_clock, pseudonym=rt.pseudonym, cipher=rt.cipher,
                county=county, source=rt.source,
                accept_timeout=timedelta(minutes=settings.volunteer_accept_timeout_minutes))
