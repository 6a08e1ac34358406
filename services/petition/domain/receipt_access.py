"""Who may act as the petitioner: the receipt's lookup code plus the last 4 digits of their phone.

Rule (《信访工作条例》§21, §35, §36: the *person* rates the reply and asks for 复查/复核): these acts are
the petitioner's own, so the public routes need both halves of a secret only the person holds:
  - the lookup code, printed once on the receipt (受理凭证) at intake and never shown to staff again
    (the service keeps a keyed hash of it);
  - the last 4 digits of the phone registered with the matter (staff views mask those digits).
Guessing is bounded per code: after `MAX_FAILURES` wrong answers in a row the code is locked for
`FIRST_LOCKOUT`, doubled at each further lock up to `MAX_LOCKOUT`. While locked even a right answer is
refused (otherwise the lock would not slow anyone down). A right answer clears the count.
With 10^4 possible tails that leaves an attacker who somehow holds the code a few tries per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from minqing_kit.errors import DomainError

MAX_FAILURES = 5
FIRST_LOCKOUT = timedelta(minutes=30)
MAX_LOCKOUT = timedelta(hours=24)


class ReceiptLocked(DomainError):
    """Too many wrong answers for one lookup code: locked for a while (HTTP 423 with Retry-After)."""

    status_code = 423
    code = "receipt_locked"

    def __init__(self, until: datetime, now: datetime) -> None:
        self.retry_after = max(1, ceil((until - now).total_seconds()))
        super().__init__(
            f"验证失败次数过多，该查询码已暂时锁定，请于 {self.retry_after} 秒后再试或到信访窗口办理"
            f" (too many failed attempts for this lookup code; locked for {self.retry_after} s)",
            field="lookup_code", rule="attempts_locked")


@dataclass(frozen=True)
class Attempts:
    """Failed answers recorded for one matter's receipt (stored in PostgreSQL, shared by every process)."""

    failures: int = 0
    lockouts: int = 0
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


CLEAN = Attempts()


def ensure_unlocked(attempts: Attempts, now: datetime) -> None:
    if attempts.locked_until is not None and attempts.locked_at(now):
        raise ReceiptLocked(attempts.locked_until, now)


def lockout_for(lockouts: int) -> timedelta:
    """Length of the `lockouts`-th lock (1-based): 30 min, 1 h, 2 h, ... at most 24 h."""
    return min(FIRST_LOCKOUT * (2 ** max(0, lockouts - 1)), MAX_LOCKOUT)


def after_failure(attempts: Attempts, now: datetime) -> Attempts:
    """The record after one more wrong answer; locks the code at the `MAX_FAILURES`-th in a row."""
    failures = attempts.failures + 1
    if failures < MAX_FAILURES:
        return Attempts(failures, attempts.lockouts, attempts.locked_until)
    lockouts = attempts.lockouts + 1
    return Attempts(0, lockouts, now + lockout_for(lockouts))
