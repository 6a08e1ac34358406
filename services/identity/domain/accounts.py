"""Staff accounts and who may manage them (账号管理权限).

- A county admin (县级管理员) manages every account and machine client.
- A township's account manager — a township operator whose account carries `manages_accounts`
  (a flag only this service reads: tokens keep the platform's roles) — manages the accounts of its
  own township, with township roles only (township operator, read only), and cannot hand out the flag.
- Nobody else manages accounts. Scope rules match the kit's tokens: county-wide roles hold the county
  code, a township operator a township code, a department handler a department.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from minqing_kit.auth import COUNTY_WIDE, TOWNSHIP_ONLY, Principal, Role
from minqing_kit.errors import Forbidden, InvalidInput
from services.identity.domain.lockout import LockState

TOWNSHIP_MANAGEABLE = frozenset({Role.TOWNSHIP_OPERATOR, Role.READ_ONLY})


@dataclass
class Account:
    id: UUID
    username: str
    display_name: str
    role: Role
    township: str
    department: str | None
    enabled: bool
    must_change_password: bool
    manages_accounts: bool
    lock: LockState
    created_at: datetime
    events: list[Any] = field(default_factory=list, compare=False, repr=False)


def check_scope(role: Role, township: str, department: str | None, county_code: str) -> None:
    """The role/scope combinations a token may carry (same as `TokenSigner.mint`), as 422s."""
    if len(township) != 12 or not township.isdigit() or township[:6] != county_code[:6]:
        raise InvalidInput(f"辖区代码须为本县的 12 位代码 (township must be a 12-digit code in county {county_code})",
                           field="township", rule="in_county")
    if role in COUNTY_WIDE and township != county_code:
        raise InvalidInput("县级角色的辖区须为县代码 (county-wide roles take the county code)",
                           field="township", rule="county_wide")
    if role in TOWNSHIP_ONLY and township.endswith("000000"):
        raise InvalidInput("乡镇操作员须指定乡镇 (a township operator needs its township)",
                           field="township", rule="township_only")
    if role is Role.DEPARTMENT_HANDLER and not department:
        raise InvalidInput("部门承办人须指定部门 (a department handler needs a department)",
                           field="department", rule="required")


def ensure_may_manage(actor: Principal, actor_manages: bool, *, role: Role, township: str,
                      manages_accounts: bool) -> None:
    """`actor` (with its account's `manages_accounts` flag) may create or change an account with this
    role and scope; otherwise `Forbidden` naming the rule."""
    if actor.role is Role.COUNTY_ADMIN:
        return
    if actor.role is Role.TOWNSHIP_OPERATOR and actor_manages:
        if township[:9] != actor.township[:9] or township.endswith("000000"):
            raise Forbidden("乡镇账号管理员只能管理本乡镇的账号 (a township account manager manages its own "
                            "township's accounts only)", field="township", rule="scope")
        if role not in TOWNSHIP_MANAGEABLE or manages_accounts:
            raise Forbidden("乡镇账号管理员只能授予乡镇操作员或只读角色 (a township account manager grants township "
                            "roles only)", field="role", rule="township_manager")
        return
    raise Forbidden("只有县级管理员或乡镇账号管理员可以管理账号 (only a county admin or a township account manager "
                    "manages accounts)", field="role", rule="account_manager")


def ensure_may_see(actor: Principal, actor_manages: bool, account: Account) -> None:
    if actor.role is Role.COUNTY_ADMIN:
        return
    if actor.role is Role.TOWNSHIP_OPERATOR and actor_manages and account.township[:9] == actor.township[:9] \
            and not account.township.endswith("000000"):
        return
    raise Forbidden("无权查看该账号 (this account is outside what you manage)", field="account", rule="scope")
