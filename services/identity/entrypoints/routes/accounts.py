"""Staff accounts (账号管理): county admins manage all, a township's account manager its township's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from services.identity.entrypoints.deps import Bus, Caller, DepsDep, Page, PageSize, ServiceDep
from services.identity.entrypoints.schemas import AccountAdminOut, AccountIn, AccountPatch, CreatedAccountOut
from services.identity.service_layer import commands as c
from services.identity.service_layer import queries

router = APIRouter(prefix="/accounts", tags=["账号 accounts"])


@router.get("", summary="账号列表 List accounts (a township manager: its township's)")
async def list_accounts(service: ServiceDep, actor: Caller, page: Page = 1,
                        page_size: PageSize = 20) -> dict[str, Any]:
    total, accounts = await queries.list_accounts(service.uow(), actor, limit=page_size,
                                                  offset=(page - 1) * page_size)
    return {"items": [AccountAdminOut.of(a) for a in accounts], "total": total, "page": page, "page_size": page_size}


@router.post("", status_code=201, summary="新建账号 Create an account (a temporary password, changed at first sign-in)")
async def create(body: AccountIn, bus: Bus, deps: DepsDep, actor: Caller) -> CreatedAccountOut:
    account, password = await bus.handle(c.CreateAccount(
        username=body.username, display_name=body.display_name, role=body.role,
        township=body.township or deps.county_code, department=body.department,
        manages_accounts=body.manages_accounts), actor)
    return CreatedAccountOut(account=AccountAdminOut.of(account), temporary_password=password)


@router.get("/{account_id}", summary="账号详情 One account")
async def get(account_id: UUID, service: ServiceDep, actor: Caller) -> AccountAdminOut:
    return AccountAdminOut.of(await queries.get_account(service.uow(), actor, account_id))


@router.patch("/{account_id}", summary="修改账号 Change role, scope, account management, or enable/disable")
async def update(account_id: UUID, body: AccountPatch, bus: Bus, actor: Caller) -> AccountAdminOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return AccountAdminOut.of(await bus.handle(c.UpdateAccount(account_id, changes), actor))


@router.post("/{account_id}/reset-password", summary="重置密码 Reset to a temporary password (change forced)")
async def reset_password(account_id: UUID, bus: Bus, actor: Caller) -> dict[str, str]:
    return {"temporary_password": await bus.handle(c.ResetPassword(account_id), actor)}
