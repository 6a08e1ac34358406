"""Identity commands: one handler each (`service_layer/bus.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from minqing_kit.actor import Actor
from minqing_kit.auth import Role
from minqing_kit.bus import Command
from services.identity.domain.accounts import Account
from services.identity.domain.reference import Entry

#: The service itself: the demo seed step and the session purge timer (no account manager check).
SYSTEM = Actor.system("identity-worker")
#: A caller not signed in whose command proves itself (a password, a refresh token, a client secret).
PUBLIC = Actor("anonymous")


@dataclass
class Session:
    access_token: str
    expires_in: int
    account: Account
    refresh_token: str | None
    csrf_token: str


@dataclass(frozen=True)
class Login(Command[Session]):
    username: str
    password: str


@dataclass(frozen=True)
class Refresh(Command[Session]):
    refresh_token: str


@dataclass(frozen=True)
class Logout(Command[None]):
    """Ends the session of the refresh token, else (none presented) every session of the actor's account."""
    refresh_token: str | None


@dataclass(frozen=True)
class ChangePassword(Command[Session]):
    current_password: str
    new_password: str


@dataclass(frozen=True)
class CreateAccount(Command[tuple[Account, str]]):
    """Result: the account and its initial password. Actor `SYSTEM`: the demo seed step."""
    username: str
    display_name: str
    role: Role
    township: str
    department: str | None = None
    manages_accounts: bool = False
    initial_password: str | None = None
    must_change_password: bool = True


@dataclass(frozen=True)
class UpdateAccount(Command[Account]):
    account_id: UUID
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResetPassword(Command[str]):
    """Result: the temporary password."""
    account_id: UUID


@dataclass(frozen=True)
class CreateClient(Command[tuple[UUID, str]]):
    """Result: the client's uuid and its secret (shown once; stored as an Argon2 hash)."""
    client_id: str
    display_name: str
    role: Role
    township: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class ClientToken(Command[tuple[str, int]]):
    """Result: an access token and its lifetime in seconds."""
    client_id: str
    secret: str


@dataclass(frozen=True)
class PurgeExpiredSessions(Command[int]):
    """Result: how many expired refresh tokens were deleted."""


# ----- reference data (county admin only) ------------------------------------------------------------

@dataclass(frozen=True)
class AddVillage(Command[Entry]):
    township_code: str
    code: str
    name: str


@dataclass(frozen=True)
class UpdateVillage(Command[Entry]):
    code: str
    name: str | None = None
    active: bool | None = None


@dataclass(frozen=True)
class AddDepartment(Command[Entry]):
    code: str
    name: str
    name_en: str = ""


@dataclass(frozen=True)
class UpdateDepartment(Command[Entry]):
    code: str
    name: str | None = None
    name_en: str | None = None
    active: bool | None = None


@dataclass(frozen=True)
class SeedReference(Command[None]):
    """Store the division file's villages and departments not stored yet (start-up; no events)."""
