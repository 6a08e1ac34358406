"""What the safety handlers need, declared below them; `bootstrap.py` (the top layer) builds it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from minqing_contract.divisions import County
from minqing_kit.crypto import PiiCipher
from minqing_kit.uow import UnitOfWork
from minqing_kit.workdays import WorkdayCalendar
from services.safety.adapters.clock import Clock


@dataclass
class Deps:
    """What handlers need; `uow()` opens a fresh unit of work, `clock()` says what time it is."""

    uow: Callable[[], UnitOfWork]
    clock: Clock
    cipher: PiiCipher
    county: County
    calendar: WorkdayCalendar
    overdue_batch: int = 500
