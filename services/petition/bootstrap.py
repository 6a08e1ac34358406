"""Composition root of the petition service: runtime + settings + clock → the wired service."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from minqing_contract.divisions import load_county
from minqing_kit.bus import MessageBus
from minqing_kit.runtime import ServiceRuntime
from minqing_kit.service import by_name

from .adapters.calendar_store import CalendarCache
from .adapters.clock import Clock, system_clock
from .adapters.repository import PgMatterRepository
from .adapters.unit_of_work import PetitionUnitOfWork, PostgresPetitionUnitOfWork
from .service_layer.bus import HANDLERS
from .service_layer.deps import Deps, Service
from .settings import PetitionSettings

__all__ = ["MIGRATIONS", "Deps", "Service", "bootstrap"]

LOOKUP_CODE_NAMESPACE = "petition-receipt-lookup-code"
MIGRATIONS = Path(__file__).resolve().parent / "adapters" / "migrations"


def bootstrap(rt: ServiceRuntime, settings: PetitionSettings, clock: Clock | None = None) -> Service:
    clocks = settings.clocks()
    calendar = CalendarCache()
    now = clock or system_clock

    def code_hash(code: str) -> str:
        # Same key as the pseudonyms, its own namespace: a code never hashes to a person's pseudonym.
        return rt.pseudonym(code, namespace=LOOKUP_CODE_NAMESPACE)

    def matters(conn: asyncpg.Connection) -> PgMatterRepository:
        return PgMatterRepository(conn, rt.cipher, clocks, code_hash, calendar, now)

    def uow() -> PetitionUnitOfWork:
        return PostgresPetitionUnitOfWork(rt.source, matters, calendar, pool=rt.pool)

    deps = Deps(clock=now, county=load_county().copy(), pseudonym=rt.pseudonym, clocks=clocks, read=rt.uow,
                views=matters, group_threshold=settings.group_threshold)
    return Service(bus=MessageBus(uow, HANDLERS, by_name(deps)), deps=deps)
