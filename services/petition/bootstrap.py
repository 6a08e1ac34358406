"""Composition root of the petition service: runtime + settings + clock → handler dependencies."""

from __future__ import annotations

from pathlib import Path

from minqing_contract.divisions import load_county
from minqing_kit.runtime import ServiceRuntime

from .adapters.calendar_store import CalendarCache
from .adapters.clock import Clock, system_clock
from .adapters.repository import MatterRepository
from .service_layer.handlers import Deps
from .settings import PetitionSettings

LOOKUP_CODE_NAMESPACE = "petition-receipt-lookup-code"
MIGRATIONS = Path(__file__).resolve().parent / "adapters" / "migrations"


def bootstrap(rt: ServiceRuntime, settings: PetitionSettings, clock: Clock | None = None) -> Deps:
    clocks = settings.clocks()
    calendar = CalendarCache()

    def code_hash(code: str) -> str:
        # Same key as the pseudonyms, its own namespace: a code never hashes to a person's pseudonym.
        return rt.pseudonym(code, namespace=LOOKUP_CODE_NAMESPACE)

    return Deps(
        uow=rt.uow,
        repo=lambda conn: MatterRepository(conn, rt.cipher, clocks, code_hash, calendar),
        pseudonym=rt.pseudonym,
        clock=clock or system_clock,
        clocks=clocks,
        county=load_county(),
        group_threshold=settings.group_threshold,
        calendar=calendar,
    )
