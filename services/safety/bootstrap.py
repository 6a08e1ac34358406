"""Composition root of the safety service: wires the runtime's resources for the handlers.

Called from the FastAPI lifespan and the worker's main, never at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minqing_contract.divisions import County, load_county
from minqing_kit.crypto import PiiCipher
from minqing_kit.runtime import ServiceRuntime
from minqing_kit.uow import UnitOfWork
from minqing_kit.workdays import WorkdayCalendar
from services.safety.adapters.clock import Clock, system_clock
from services.safety.settings import SafetySettings

MIGRATIONS = Path(__file__).resolve().parent / "adapters" / "migrations"


@dataclass
class Deps:
    """What handlers need; `uow()` opens a fresh unit of work, `clock()` says what time it is."""

    uow: Callable[[], UnitOfWork]
    clock: Clock
    cipher: PiiCipher
    county: County
    calendar: WorkdayCalendar
    overdue_batch: int = 500


def bootstrap(rt: ServiceRuntime, settings: SafetySettings, clock: Clock | None = None) -> Deps:
    county = load_county()
    if county.code != settings.county_code:
        raise RuntimeError(f"division file is for county {county.code}, settings say {settings.county_code}")
    return Deps(uow=rt.uow, clock=clock or system_clock, cipher=rt.cipher, county=county,
                calendar=WorkdayCalendar(), overdue_batch=settings.safety_overdue_batch)
