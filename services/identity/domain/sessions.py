"""Refresh tokens: rotation and reuse detection (OAuth 2.0 Security BCP, §4.14).

Each sign-in starts a *family*; every refresh hands out a new token of the family and marks the old
one used. Presenting a used (or revoked) token again means it was stolen or replayed: the whole
family is revoked and the caller must sign in again. A disabled account's refresh is refused, so its
session ends when its short-lived access token expires (`access_minutes`, 10 by default).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Outcome(enum.Enum):
    ROTATE = "rotate"
    REUSED = "reused"  # revoke the family
    EXPIRED = "expired"
    REVOKED = "revoked"
    DISABLED = "disabled"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StoredRefresh:
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    account_enabled: bool


def decide(stored: StoredRefresh | None, now: datetime) -> Outcome:
    if stored is None:
        return Outcome.UNKNOWN
    if stored.used_at is not None:
        return Outcome.REUSED
    if stored.revoked_at is not None:
        return Outcome.REVOKED
    if now >= stored.expires_at:
        return Outcome.EXPIRED
    if not stored.account_enabled:
        return Outcome.DISABLED
    return Outcome.ROTATE


MESSAGES = {
    Outcome.REUSED: "登录会话已失效（刷新令牌被重复使用），请重新登录 (refresh token reused: session revoked)",
    Outcome.EXPIRED: "登录会话已过期，请重新登录 (refresh token expired)",
    Outcome.REVOKED: "登录会话已注销，请重新登录 (refresh token revoked)",
    Outcome.DISABLED: "账号已停用 (account disabled)",
    Outcome.UNKNOWN: "登录会话无效，请重新登录 (unknown refresh token)",
}
