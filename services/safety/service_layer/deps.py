"""What the safety service needs, declared below the handlers; `bootstrap.py` (the top layer) builds it.

Handlers receive these by name (keyword-only parameters bound by the bus); the read side uses
`read()`, a plain transaction without repositories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from minqing_contract.divisions import County
from minqing_kit.bus import MessageBus
from minqing_kit.crypto import PiiCipher
from minqing_kit.uow import UnitOfWork
from minqing_kit.workdays import WorkdayCalendar
from services.safety.adapters.clock import Clock
from services.safety.adapters.unit_of_work import SafetyUnitOfWork


@dataclass
class Deps:
    clock: Clock
    cipher: PiiCipher
    county: County
    calendar: WorkdayCalendar
    read: Callable[[], UnitOfWork]  # a transaction for the read side's queries
    overdue_batch: int = 500

    def by_name(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class Service:
    """The wired service: the bus for commands, the deps for reads and timers."""

    bus: MessageBus[SafetyUnitOfWork]
    deps: Deps
