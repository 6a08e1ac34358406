"""Composition root of the volunteer service: wires the runtime's resources for the handlers.

Called from the FastAPI lifespan and the worker's main, never at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from minqing_contract.divisions import County, load_county
from minqing_kit.clock import Clock, system_clock
from minqing_kit.crypto import PiiCipher
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.runtime import ServiceRuntime
from minqing_kit.uow import UnitOfWork
from services.volunteer.settings import VolunteerSettings

MIGRATIONS = Path(__file__).resolve().parent / "adapters" / "migrations"


@dataclass
class Deps:
    """What handlers need; `uow()` opens a fresh unit of work."""

    uow: Callable[[], UnitOfWork]
    clock: Clock
    pseudonym: Pseudonymizer
    cipher: PiiCipher
    county: County
    source: str
    accept_timeout: timedelta


def bootstrap(rt: ServiceRuntime, settings: VolunteerSettings, clock: Clock | None = None) -> Deps:
    county = load_county()
    if county.code != settings.county_code:
        raise RuntimeError(f"division file is for county {county.code}, settings say {settings.county_code}")
    return Deps(uow=rt.uow, clock=clock or system_clock, pseudonym=rt.pseudonym, cipher=rt.cipher,
                county=county, source=rt.source,
                accept_timeout=timedelta(minutes=settings.volunteer_accept_timeout_minutes))
