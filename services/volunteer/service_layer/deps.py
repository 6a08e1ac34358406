"""What the volunteer service needs, declared below the handlers; `bootstrap.py` (the top layer) builds it.

Handlers receive these by name (keyword-only parameters bound by the bus); the read side (views in
the entrypoints) uses `read()`, a plain transaction without repositories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from minqing_contract.divisions import County
from minqing_kit.bus import MessageBus
from minqing_kit.clock import Clock
from minqing_kit.crypto import PiiCipher
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.uow import UnitOfWork
from services.volunteer.adapters.unit_of_work import VolunteerUnitOfWork


@dataclass
class Deps:
    clock: Clock
    pseudonym: Pseudonymizer
    cipher: PiiCipher
    county: County
    accept_timeout: timedelta
    read: Callable[[], UnitOfWork]  # a transaction for the read side's views

    def by_name(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class Service:
    """The wired service: the bus for commands, the deps for reads and timers."""

    bus: MessageBus[VolunteerUnitOfWork]
    deps: Deps

    def uow(self) -> VolunteerUnitOfWork:
        return self.bus.uow()
