"""Identity domain events (past tense): what a sign-in, a session or an administrator did.

Plain data; `adapters/contract_mapping.py` maps each to its `identity.*` contract event (same field
names) and the unit of work writes the audit row of each in the same transaction. `detail` is extra
audit detail (never published).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class IdentityEvent:
    township_code: str
    occurred_at: datetime
    detail: dict[str, Any] = field(default_factory=dict)  # audit only


@dataclass(frozen=True, kw_only=True)
class AccountCreated(IdentityEvent):
    account_id: UUID
    role: str
    department: str | None = None
    manages_accounts: bool = False
    actor_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class AccountChanged(IdentityEvent):
    account_id: UUID
    role: str
    department: str | None
    enabled: bool
    manages_accounts: bool
    changed: tuple[str, ...]
    actor_id: UUID


@dataclass(frozen=True, kw_only=True)
class PasswordChanged(IdentityEvent):
    account_id: UUID
    reset: bool
    actor_id: UUID


@dataclass(frozen=True, kw_only=True)
class SignedIn(IdentityEvent):
    account_id: UUID
    method: str  # "password" | "client_credentials"
    role: str


@dataclass(frozen=True, kw_only=True)
class SignInFailed(IdentityEvent):
    attempted: str  # keyed pseudonym of the name typed
    account_id: UUID | None
    reason: str
    failures: int


@dataclass(frozen=True, kw_only=True)
class AccountLocked(IdentityEvent):
    account_id: UUID
    failures: int
    locked_until: datetime


@dataclass(frozen=True, kw_only=True)
class SignedOut(IdentityEvent):
    account_id: UUID


@dataclass(frozen=True, kw_only=True)
class RefreshReuseDetected(IdentityEvent):
    account_id: UUID
    family_id: UUID


# ----- reference data (区划与部门): names of places and offices, never of people -----------------------

@dataclass(frozen=True, kw_only=True)
class VillageAdded(IdentityEvent):
    village_code: str
    village_name: str
    actor_id: UUID | None


@dataclass(frozen=True, kw_only=True)
class VillageChanged(IdentityEvent):
    village_code: str
    village_name: str
    active: bool
    actor_id: UUID | None


@dataclass(frozen=True, kw_only=True)
class DepartmentAdded(IdentityEvent):
    department_code: str
    department_name: str
    actor_id: UUID | None


@dataclass(frozen=True, kw_only=True)
class DepartmentChanged(IdentityEvent):
    department_code: str
    department_name: str
    active: bool
    actor_id: UUID | None
