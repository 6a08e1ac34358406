"""Identity service (统一身份) integration events: stream `identity`, keyed by account id — the audit
trail of sign-ins, failures, lockouts, password and account changes; and the county's reference data
(villages and departments added, renamed or retired by the county admin), keyed by their code.

Pseudonymous ids only: an account travels as its opaque UUID (the county's directory maps it to a
person, on the county's side); never a username, a display name or a password. A failed sign-in for
a name that matches no account carries the keyed pseudonym of what was typed, so repeated guesses
against one name can be counted without publishing the name.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from minqing_contract.bounds import LINE_PATTERN, Count, Instant
from minqing_contract.events.base import DivisionCode, EventPayload, Pseudonym

RoleName = Annotated[str, Field(pattern=r"^[a-z_]{3,40}$", description="A role of minqing_kit.auth.Role",
                                examples=["township_operator"])]
Department = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$", description="Department code",
                                  examples=["wsj"])]


class SignInMethod(StrEnum):
    password = "password"
    client_credentials = "client_credentials"


class _Account(EventPayload):
    stream: ClassVar[str] = "identity"
    subject_field: ClassVar[str] = "account_id"
    account_id: UUID = Field(description="Opaque account id (a machine client's id for client_credentials)")


class AccountCreated(_Account):
    event_type: ClassVar[str] = "identity.account_created"
    summary: ClassVar[str] = "An administrator created a staff account (role and scope, no personal data)."
    role: RoleName
    department: Department | None = None
    manages_accounts: bool = False
    actor_id: UUID | None = Field(description="The administrator's account id (None: a seed step)")


class AccountChanged(_Account):
    event_type: ClassVar[str] = "identity.account_changed"
    summary: ClassVar[str] = "Role, scope, account management or enabled state of an account changed."
    role: RoleName
    department: Department | None = None
    enabled: bool
    manages_accounts: bool
    changed: list[Annotated[str, Field(pattern=r"^[a-z_]{1,40}$", examples=["role"])]] = Field(max_length=10,
                                                                           description="Names of the fields changed")
    actor_id: UUID


class PasswordChanged(_Account):
    event_type: ClassVar[str] = "identity.password_changed"
    summary: ClassVar[str] = "A password was changed by its owner, or reset by an administrator (temporary)."
    reset: bool = Field(description="True: an administrator set a temporary password (change forced)")
    actor_id: UUID


class SignedIn(_Account):
    event_type: ClassVar[str] = "identity.signed_in"
    summary: ClassVar[str] = "A staff member signed in, or a machine client obtained a token."
    method: SignInMethod
    role: RoleName


class SignInFailed(EventPayload):
    stream: ClassVar[str] = "identity"
    subject_field: ClassVar[str] = "attempted"
    event_type: ClassVar[str] = "identity.sign_in_failed"
    summary: ClassVar[str] = "A sign-in was refused (wrong password, unknown name, disabled or locked account)."
    attempted: Pseudonym = Field(description="Keyed pseudonym of the name typed (never the name)")
    account_id: UUID | None = Field(description="The account, when the name matched one")
    reason: str = Field(pattern="^(bad_credentials|disabled|locked|bad_client)$")
    failures: Count = Field(description="Consecutive failures of the account so far (0 when no account matched)")


class AccountLocked(_Account):
    event_type: ClassVar[str] = "identity.account_locked"
    summary: ClassVar[str] = "Too many failed sign-ins: the account is locked for a while."
    failures: Count
    locked_until: Instant


class SignedOut(_Account):
    event_type: ClassVar[str] = "identity.signed_out"
    summary: ClassVar[str] = "A session was ended (its refresh tokens revoked)."


class RefreshReuseDetected(_Account):
    event_type: ClassVar[str] = "identity.refresh_reuse_detected"
    summary: ClassVar[str] = "A refresh token was used twice: its whole session family was revoked."
    family_id: UUID


# ----- reference data (区划与部门): keyed by the village or department code --------------------------------

PlaceName = Annotated[str, Field(pattern=LINE_PATTERN, min_length=2, max_length=50, description="Name of a village or department (a place or "
                                                                          "an office, never a person)", examples=["东关社区"])]


class VillageAdded(EventPayload):
    stream: ClassVar[str] = "identity"
    subject_field: ClassVar[str] = "village_code"
    event_type: ClassVar[str] = "identity.village_added"
    summary: ClassVar[str] = "The county added a village (村/社区) under a township (`township_code`)."
    village_code: DivisionCode
    village_name: PlaceName
    actor_id: UUID | None = Field(description="The county administrator's account id")


class VillageChanged(EventPayload):
    stream: ClassVar[str] = "identity"
    subject_field: ClassVar[str] = "village_code"
    event_type: ClassVar[str] = "identity.village_changed"
    summary: ClassVar[str] = "A village was renamed, retired (撤并: `active` false) or restored."
    village_code: DivisionCode
    village_name: PlaceName
    active: bool
    actor_id: UUID | None = Field(description="The county administrator's account id")


class DepartmentAdded(EventPayload):
    stream: ClassVar[str] = "identity"
    subject_field: ClassVar[str] = "department_code"
    event_type: ClassVar[str] = "identity.department_added"
    summary: ClassVar[str] = "The county added a department (`township_code` is the county's code)."
    department_code: Department
    department_name: PlaceName
    actor_id: UUID | None = Field(description="The county administrator's account id")


class DepartmentChanged(EventPayload):
    stream: ClassVar[str] = "identity"
    subject_field: ClassVar[str] = "department_code"
    event_type: ClassVar[str] = "identity.department_changed"
    summary: ClassVar[str] = "A department was renamed, retired (`active` false) or restored."
    department_code: Department
    department_name: PlaceName
    active: bool
    actor_id: UUID | None = Field(description="The county administrator's account id")


EVENTS = (AccountCreated, AccountChanged, PasswordChanged, SignedIn, SignInFailed, AccountLocked, SignedOut,
          RefreshReuseDetected, VillageAdded, VillageChanged, DepartmentAdded, DepartmentChanged)
UPCASTERS: dict[tuple[str, int], object] = {}
