"""What the safety service needs, declared below the handlers; `bootstrap.py` (the top layer) builds it.

Handlers receive these by name (keyword-only parameters bound by the bus); the read side uses
`read()`, a plain transaction without repositories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from minqing_contract.divisions import County
from minqing_kit.crypto import PiiCipher
from minqing_kit.service import Service as KitService
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


#: The wired service: the bus for commands, the deps for reads and timers.
Service = KitService[SafetyUnitOfWork, Deps]
