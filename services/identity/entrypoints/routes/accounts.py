"""Staff accounts (账号管理): county admins manage all, a township's account manager its township's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from services.identity.entrypoints.deps import Caller, DepsDep, Page, PageSize
from services.identity.entrypoints.schemas import AccountAdminOut, AccountIn, AccountPatch, CreatedAccountOut
from services.identity.service_layer import handlers as h

router = APIRouter(prefix="/accounts", tags=["账号 accounts"])


@router.get("", summary="账号列表 List accounts (a township manager: its township's)")
async def list_accounts(deps: DepsDep, actor: Caller, page: Page = 1, page_size: PageSize = 20) -> dict[str, Any]:
    total, accounts = await h.list_accounts(deps, actor, limit=page_size, offset=(page - 1) * page_size)
    return {"items": [AccountAdminOut.of(a) for a in accounts], "total": total, "page": page, "page_size": page_size}


@router.post("", status_code=201, summary="新建账号 Create an account (a temporary password, changed at first sign-in)")
async def create(body: AccountIn, deps: DepsDep, actor: Caller) -> CreatedAccountOut:
    account, password = await h.create_account(deps, actor, h.NewAccount(
        username=body.username, display_name=body.display_name, role=body.role,
        township=body.township or deps.county_code, department=body.department,
        manages_accounts=body.manages_accounts))
    return CreatedAccountOut(account=AccountAdminOut.of(account), temporary_password=password)


@router.get("/{account_id}", summary="账号详情 One account")
async def get(account_id: UUID, deps: DepsDep, actor: Caller) -> AccountAdminOut:
    return AccountAdminOut.of(await h.get_account(deps, actor, account_id))


@router.patch("/{account_id}", summary="修改账号 Change role, scope, account management, or enable/disable")
async def update(account_id: UUID, body: AccountPatch, deps: DepsDep, actor: Caller) -> AccountAdminOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return AccountAdminOut.of(await h.update_account(deps, actor, account_id, changes))


@router.post("/{account_id}/reset-password", summary="重置密码 Reset to a temporary password (change forced)")
async def reset_password(account_id: UUID, deps: DepsDep, actor: Caller) -> dict[str, str]:
    return {"temporary_password": await h.reset_password(deps, actor, account_id)}
