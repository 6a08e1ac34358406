"""What the petition service needs, declared below the handlers; `bootstrap.py` (the top layer) builds it.

Handlers receive these by name (keyword-only parameters bound by the bus); the read side (lists,
audit trails) uses `read()` with `views(conn)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from minqing_contract.divisions import County
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.service import Service as KitService
from minqing_kit.uow import UnitOfWork

from ..adapters.clock import Clock
from ..adapters.repository import PgMatterRepository
from ..adapters.unit_of_work import PetitionUnitOfWork
from ..domain import clocks as ck


@dataclass
class Deps:
    clock: Clock
    county: County
    pseudonym: Pseudonymizer
    clocks: ck.PetitionClocks
    read: Callable[[], UnitOfWork]  # a transaction for the read side
    views: Callable[[Any], PgMatterRepository]  # connection → the matters' read-side queries
    group_threshold: int = 5


#: The wired service: the bus for commands, the deps for reads and timers.
Service = KitService[PetitionUnitOfWork, Deps]
