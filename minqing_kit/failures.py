"""What a consumer does with a failure: retry the batch, or set one event aside — and finding that event.

A consumer must neither stop on a bad event nor skip a good one. So every failure is classified:

- **permanent for one event**: the event's own data cannot be stored or computed — PostgreSQL data
  errors (class 22: NUL or untranslatable characters, numbers or dates out of range; class 23:
  constraint violations; class 54: a key too large for an index), asyncpg refusing an argument,
  `OverflowError`, `decimal.InvalidOperation` and other `ArithmeticError`s, `ValueError`s. Retrying
  changes nothing: the event goes to the dead-letter topic with the reason and the batch goes on.
- **transient**: everything else — connection lost, timeouts, PostgreSQL or Kafka unavailable, a
  switch-over, and errors we do not recognise. Nothing was committed; the same batch is retried
  (with backoff), so no offset moves past an event that was neither applied nor dead-lettered.

`isolate` finds the culprits when a batch written as one fails permanently: it bisects, applying each
half in its own savepoint, so k bad events among n cost about k·log2(n) extra attempts and every good
event is applied, in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import asyncpg
from asyncpg.exceptions import _base as asyncpg_base

T = TypeVar("T")

log = logging.getLogger(__name__)

_PERMANENT: tuple[type[BaseException], ...] = (
    asyncpg.DataError,  # SQLSTATE class 22 (CharacterNotInRepertoire, NumericValueOutOfRange, ...)
    asyncpg.IntegrityConstraintViolationError,  # class 23
    asyncpg.ProgramLimitExceededError,  # class 54 (e.g. an index row too large)
    asyncpg_base.DataError,  # asyncpg could not encode an argument (a ValueError too)
    ArithmeticError,  # OverflowError, decimal.InvalidOperation, ZeroDivisionError
    ValueError,  # includes UnicodeError and pydantic's ValidationError
)


def is_permanent(exc: BaseException) -> bool:
    """True when retrying cannot help: the event itself is at fault (dead-letter it)."""
    return isinstance(exc, _PERMANENT)


def reason_for(exc: BaseException, where: str) -> str:
    """A dead-letter reason for a permanent failure: `data: <where> refused the event: <error>`."""
    return f"data: {where} refused the event: {type(exc).__name__}: {exc}"


async def isolate(items: Sequence[T], apply: Callable[[Sequence[T]], Awaitable[None]]) -> list[tuple[T, Exception]]:
    """Apply `items` in order, setting aside those that fail permanently; returns them with their errors.

    `apply(group)` must be atomic (a savepoint): it applies the whole group or nothing. The whole
    sequence is tried first; a group failing permanently is split in two halves, left before right,
    down to single items. A transient failure propagates (the caller retries the batch).
    """
    culprits: list[tuple[T, Exception]] = []

    async def attempt(group: Sequence[T]) -> None:
        try:
            await apply(group)
        except Exception as exc:
            if not is_permanent(exc):
                raise
            if len(group) == 1:
                culprits.append((group[0], exc))
                return
            middle = len(group) // 2
            await attempt(group[:middle])
            await attempt(group[middle:])

    if items:
        await attempt(items)
    return culprits


async def retry_transient(action: Callable[[], Awaitable[T]], *, what: str, consumer: str,
                          first_delay: float = 0.2, max_delay: float = 5.0) -> T:
    """Run `action` until it succeeds, backing off between attempts (only cancellation stops it).

    For a batch whose permanent failures were already set aside: what is left is transient, or not
    understood, and either way the batch must not be acknowledged until it is applied."""
    delay = first_delay
    while True:
        try:
            return await action()
        except Exception as exc:
            log.warning(f"{what} failed; retrying", extra={"consumer": consumer, "error": repr(exc),
                                                            "permanent": is_permanent(exc), "delay_s": delay})
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
