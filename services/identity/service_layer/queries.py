"""Reads the identity routes need, through the unit of work's repositories (nothing tracked, nothing
written): the caller's account, accounts as an account manager sees them, machine clients, the audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from minqing_kit.actor import Actor
from minqing_kit.auth import Role, Unauthorized
from minqing_kit.errors import Forbidden, NotFound
from services.identity.adapters.unit_of_work import IdentityUnitOfWork
from services.identity.domain.accounts import Account, ensure_may_see
from services.identity.domain.reference import DEPARTMENT_SORTS, VILLAGE_SORTS, Entry, check_sort
from services.identity.service_layer.handlers import NO_ACCOUNT, account_id_of, actor_manages
from services.identity.service_layer.reference_handlers import DEPARTMENT, VILLAGE, ensure_county_admin


async def me(uow: IdentityUnitOfWork, actor: Actor) -> Account:
    account_id = account_id_of(actor.signed_in())
    async with uow:
        found = await uow.accounts.get(account_id) if account_id else None
    if found is None or not found[0].enabled:
        raise Unauthorized(NO_ACCOUNT)
    return found[0]


async def list_accounts(uow: IdentityUnitOfWork, actor: Actor, *, limit: int,
                        offset: int) -> tuple[int, list[Account]]:
    principal = actor.signed_in()
    async with uow:
        if principal.role is Role.COUNTY_ADMIN:
            return await uow.accounts.list(None, limit=limit, offset=offset)
        if principal.role is Role.TOWNSHIP_OPERATOR and await actor_manages(uow, principal):
            return await uow.accounts.list(principal.township[:9], limit=limit, offset=offset)
    raise Forbidden("只有县级管理员或乡镇账号管理员可以查看账号 (only account managers list accounts)",
                    field="role", rule="account_manager")


async def get_account(uow: IdentityUnitOfWork, actor: Actor, account_id: UUID) -> Account:
    principal = actor.signed_in()
    async with uow:
        found = await uow.accounts.get(account_id)
        if found is None:
            raise NotFound("账号不存在 (no such account)", field="account_id", rule="exists")
        ensure_may_see(principal, await actor_manages(uow, principal), found[0])
    return found[0]


async def list_clients(uow: IdentityUnitOfWork) -> list[dict[str, Any]]:
    async with uow:
        return await uow.clients.list()


async def audit_page(uow: IdentityUnitOfWork, *, event_type: str | None, account_id: UUID | None,
                     since: datetime | None, until: datetime | None, limit: int,
                     offset: int) -> tuple[int, list[dict[str, Any]]]:
    async with uow:
        return await uow.audit.page(event_type=event_type, account_id=account_id, since=since, until=until,
                                    limit=limit, offset=offset)


async def reference_page(uow: IdentityUnitOfWork, actor: Actor, kind: str, *, parent_code: str | None,
                         text: str | None, active: bool | None, sort: str, descending: bool, limit: int,
                         offset: int) -> tuple[int, list[Entry]]:
    """A page of villages or departments for the county admin's screens (sorted and paged in SQL)."""
    ensure_county_admin(actor)
    check_sort(sort, VILLAGE_SORTS if kind == VILLAGE else DEPARTMENT_SORTS)
    async with uow:
        return await uow.reference.page(kind, parent_code=parent_code, text=text or None, active=active,
                                        sort="parent_code" if sort == "township_code" else sort,
                                        descending=descending, limit=limit, offset=offset)


async def active_reference(uow: IdentityUnitOfWork, *, with_retired: bool = False) -> tuple[list[Entry], list[Entry]]:
    """The villages and departments offered in forms (active ones), for the public reference; with the
    retired ones too (flagged) for the services that validate codes (minqing_kit.reference)."""
    async with uow:
        return (await uow.reference.all_active(VILLAGE, with_retired=with_retired),
                await uow.reference.all_active(DEPARTMENT, with_retired=with_retired))
