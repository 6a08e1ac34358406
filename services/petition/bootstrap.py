"""Composition root of the petition service: runtime + settings + clock → handler dependencies."""

from __future__ import annotations

from pathlib import Path

from minqing_contract.divisions import load_county
from minqing_kit.runtime import ServiceRuntime

from .adapters.clock import Clock, system_clock
from .adapters.repository import MatterRepository
from .service_layer.handlers import Deps
from .settings import PetitionSettings

MIGRATIONS = Path(__file__).resolve().parent / "adapters" / "migrations"


def bootstrap(rt: ServiceRuntime, settings: PetitionSettings, clock: Clock | None = None) -> Deps:
    clocks = settings.clocks()
    return Deps(
        uow=rt.uow,
        repo=lambda conn: MatterRepository(conn, rt.cipher, clocks),
        pseudonym=rt.pseudonym,
        clock=clock or system_clock,
        clocks=clocks,
        county=load_county(),
        group_threshold=settings.group_threshold,
    )
