"""Request and response bodies of the identity API (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from minqing_contract.bounds import Line
from minqing_kit.auth import Role
from services.identity.domain.accounts import Account

Username = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9._-]+$",
                                description="用户名 (letters, digits, . _ -)")]
Password = Annotated[str, Field(min_length=1, max_length=128)]
Code = Annotated[str, Field(pattern=r"^\d{12}$", description="12 位区划代码 (12-digit division code)")]
Department = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$", description="部门代码 (department code)")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Body):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Password


class PasswordIn(Body):
    current_password: Password
    new_password: Password


class RefreshIn(Body):
    refresh_token: str | None = Field(default=None, max_length=200,
                                      description="留空则取 Cookie mq_refresh (omit to use the cookie)")


class AccountOut(BaseModel):
    id: UUID
    username: str
    display_name: str
    role: Role
    township: str
    department: str | None
    must_change_password: bool

    @classmethod
    def of(cls, a: Account) -> AccountOut:
        return cls(id=a.id, username=a.username, display_name=a.display_name, role=a.role, township=a.township,
                   department=a.department, must_change_password=a.must_change_password)


class AccountAdminOut(AccountOut):
    enabled: bool
    manages_accounts: bool
    locked_until: datetime | None
    failed_attempts: int
    created_at: datetime

    @classmethod
    def of(cls, a: Account) -> AccountAdminOut:
        return cls(**AccountOut.of(a).model_dump(), enabled=a.enabled, manages_accounts=a.manages_accounts,
                   locked_until=a.lock.locked_until, failed_attempts=a.lock.failures, created_at=a.created_at)


class SessionOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    account: AccountOut


class AccountIn(Body):
    username: Username
    display_name: Line = Field(min_length=1, max_length=50, description="姓名 (display name)")
    role: Role
    township: Code | None = Field(default=None, description="辖区；县级角色留空 (omit for county-wide roles)")
    department: Department | None = None
    manages_accounts: bool = Field(default=False, description="乡镇账号管理员 (a township's account manager)")


class AccountPatch(Body):
    display_name: Line | None = Field(default=None, min_length=1, max_length=50)
    role: Role | None = None
    township: Code | None = None
    department: Department | None = None
    enabled: bool | None = None
    manages_accounts: bool | None = None


class CreatedAccountOut(BaseModel):
    account: AccountAdminOut
    temporary_password: str = Field(description="初始密码，仅显示一次，首次登录须修改 (shown once; must be changed)")


class ClientIn(Body):
    client_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,40}$")]
    display_name: Line = Field(min_length=1, max_length=100)
    role: Role
    township: Code | None = None
    department: Department | None = None
