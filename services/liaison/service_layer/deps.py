"""What the liaison service needs, declared below the handlers; `bootstrap.py` (the top layer) builds it.

Handlers receive these by name (keyword-only parameters bound by the bus); the read side (views in
the entrypoints) uses `read()`, a plain transaction without repositories.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from minqing_contract.divisions import County
from minqing_kit.clock import Clock
from minqing_kit.crypto import PiiCipher
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.service import Service as KitService
from minqing_kit.uow import UnitOfWork
from minqing_kit.workdays import WorkdayCalendar
from services.liaison.adapters.unit_of_work import LiaisonUnitOfWork
from services.liaison.domain.presence_rule import SeasonalRule


@dataclass
class Deps:
    clock: Clock
    pseudonym: Pseudonymizer
    cipher: PiiCipher
    county: County
    rule: SeasonalRule
    calendar: WorkdayCalendar
    ledger: Mapping[str, frozenset[str]]  # 民情台账 heading → subcategories (the contract's table)
    read: Callable[[], UnitOfWork]  # a transaction for the read side's views


#: The wired service: the bus for commands, the deps for reads and timers.
Service = KitService[LiaisonUnitOfWork, Deps]
