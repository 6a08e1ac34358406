"""Lockout after repeated failed sign-ins (防暴力破解).

`MAX_FAILURES` consecutive wrong passwords lock the account for `LOCK_FOR`; a correct password
resets the count. While locked even the right password is refused (HTTP 423 with Retry-After).
The count and the lock live on the account's row in PostgreSQL, so every process sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)


@dataclass(frozen=True)
class LockState:
    failures: int
    locked_until: datetime | None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the lock ends (at least 1 while locked)."""
        if not self.locked(now) or self.locked_until is None:
            return 0
        return max(1, int((self.locked_until - now).total_seconds() + 0.999))


def after_failure(state: LockState, now: datetime) -> tuple[LockState, bool]:
    """The state after one more wrong password, and whether this failure locked the account."""
    failures = state.failures + 1
    if failures >= MAX_FAILURES:
        return LockState(failures, now + LOCK_FOR), True
    return LockState(failures, None), False


def after_success() -> LockState:
    return LockState(0, None)
