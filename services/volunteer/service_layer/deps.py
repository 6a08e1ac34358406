"""What the volunteer handlers need, declared below them; `bootstrap.py` (the top layer) builds it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from minqing_contract.divisions import County
from minqing_kit.clock import Clock
from minqing_kit.crypto import PiiCipher
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.uow import UnitOfWork


@dataclass
class Deps:
    """What handlers need; `uow()` opens a fresh unit of work."""

    uow: Callable[[], UnitOfWork]
    clock: Clock
    pseudonym: Pseudonymizer
    cipher: PiiCipher
    county: County
    source: str
    accept_timeout: timedelta
