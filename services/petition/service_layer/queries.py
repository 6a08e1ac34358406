"""Reads through the unit of work's repositories (nothing locked, nothing published)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from minqing_kit.auth import Principal
from minqing_kit.errors import Forbidden, NotFound

from ..adapters.unit_of_work import PetitionUnitOfWork
from ..domain.enums import MatterStatus
from ..domain.intake import normalize_lookup_code
from ..domain.lifecycle import ACTION_ROLES
from ..domain.matter import Matter
from ..domain.repeats import hint_identifiers
from .commands import Actor
from .handlers import actor_for, load, phone_key, require_view

if TYPE_CHECKING:
    from .deps import Deps


async def get_matter(uow: PetitionUnitOfWork, matter_id: UUID, actor: Actor) -> Matter:
    async with uow:
        matter = await load(uow.matters, matter_id, for_update=False)
    require_view(actor.signed_in(), matter)
    return matter


async def lookup(uow: PetitionUnitOfWork, lookup_code: str) -> Matter:
    code = normalize_lookup_code(lookup_code)
    async with uow:
        matter_id = await uow.matters.id_for_lookup_code(code)
        if matter_id is None:
            raise NotFound("查询码不存在 (no matter with this lookup code)", field="lookup_code", rule="exists")
        return await load(uow.matters, matter_id, for_update=False)


async def repeat_hint(deps: Deps, principal: Principal, *, name: str | None, phone: str | None,
                      id_number: str | None, days: int) -> list[dict[str, Any]]:
    """Open matters of the person being typed in at the window, filed in the last `days` days.

    Only for those who register (the window, township operators); a township operator sees hits in
    their own township only, like every list.
    """
    actor = actor_for(principal)
    if actor.role not in ACTION_ROLES["register"]:
        raise Forbidden("只有登记人员可以查重 (only intake staff may check for repeats)", field="role",
                        rule="role_for_repeat_hint")
    keys = hint_identifiers(name, phone, id_number)
    pseudonyms = [deps.pseudonym(i) for i in keys.identifiers]
    phones = [k for k in (phone_key(deps.pseudonym, keys.phone),) if k]
    since = deps.clock() - timedelta(days=days)
    async with deps.read() as uow:
        rows = await deps.views(uow.conn).open_matters_of(pseudonyms, phones, since, principal.list_scope(None))
    return [{"id": str(r["id"]), "status": r["status"], "status_zh": MatterStatus(r["status"]).label_zh,
             "category": r["category"], "subcategory": r["subcategory"], "township_code": r["township_code"],
             "registered_at": r["registered_at"]} for r in rows]


async def due_for_watch(uow: PetitionUnitOfWork, now: datetime) -> list[UUID]:
    async with uow:
        return await uow.matters.due_for_watch(now)


async def gauges(uow: PetitionUnitOfWork, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    async with uow:
        return await uow.matters.gauges(now)
