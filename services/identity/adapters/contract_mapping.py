"""The one domain→contract mapping of the identity service (field by field, same names); the
`identity.*` events carry no per-aggregate sequence."""

from __future__ import annotations

from minqing_contract.events import identity as contract
from minqing_kit.mapping import ContractMapping
from services.identity.domain import events as ev

MAPPING = ContractMapping({
    ev.AccountCreated: contract.AccountCreated,
    ev.AccountChanged: contract.AccountChanged,
    ev.PasswordChanged: contract.PasswordChanged,
    ev.SignedIn: contract.SignedIn,
    ev.SignInFailed: contract.SignInFailed,
    ev.AccountLocked: contract.AccountLocked,
    ev.SignedOut: contract.SignedOut,
    ev.RefreshReuseDetected: contract.RefreshReuseDetected,
    ev.VillageAdded: contract.VillageAdded,
    ev.VillageChanged: contract.VillageChanged,
    ev.DepartmentAdded: contract.DepartmentAdded,
    ev.DepartmentChanged: contract.DepartmentChanged,
}, sequenced=lambda _: False)
