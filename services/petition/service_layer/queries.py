"""Reads through the unit of work's repositories (nothing locked, nothing published)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from minqing_kit.errors import NotFound

from ..adapters.unit_of_work import PetitionUnitOfWork
from ..domain.intake import normalize_lookup_code
from ..domain.matter import Matter
from .commands import Actor
from .handlers import load, require_view


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


async def due_for_watch(uow: PetitionUnitOfWork, now: datetime) -> list[UUID]:
    async with uow:
        return await uow.matters.due_for_watch(now)


async def gauges(uow: PetitionUnitOfWork, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    async with uow:
        return await uow.matters.gauges(now)
