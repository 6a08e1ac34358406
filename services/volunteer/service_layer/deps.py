"""What the volunteer service needs, declared below the handlers; `bootstrap.py` (the top layer) builds it.

Handlers receive these by name (keyword-only parameters bound by the bus); the read side (views in
the entrypoints) uses `read()`, a plain transaction without repositories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from minqing_contract.divisions import County
from minqing_kit.clock import Clock
from minqing_kit.crypto import PiiCipher
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.service import Service as KitService
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


#: The wired service: the bus for commands, the deps for reads and timers.
Service = KitService[VolunteerUnitOfWork, Deps]
