"""Read side: lists and details inside the caller's township scope (no writes, no events)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from minqing_kit.actor import Actor
from minqing_kit.crypto import mask_name, mask_phone
from services.safety.adapters.repository import PgSafetyRepository
from services.safety.domain.campaign import FollowUpCampaign, due_for_reinspection
from services.safety.domain.hazard import Hazard
from services.safety.service_layer.deps import Deps
from services.safety.service_layer.handlers import known_township

T = TypeVar("T")


async def _read(deps: Deps, fn: Callable[[PgSafetyRepository], Awaitable[T]]) -> T:
    async with deps.read() as uow:  # never committed: a read-only transaction
        return await fn(PgSafetyRepository(uow.conn, deps.cipher))


def _narrow(deps: Deps, who: Actor, township_code: str | None) -> None:
    if township_code is not None:
        known_township(deps.county, township_code)
        who.ensure_covers(township_code)


def page_of(total: int, items: list[dict[str, Any]], page: int, page_size: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "page_size": page_size}


async def list_enterprises(deps: Deps, who: Actor, *, township_code: str | None, industry: str | None,
                           status: str | None, page: int, page_size: int,
                           sort: str = "registered_at") -> dict[str, Any]:
    _narrow(deps, who, township_code)
    total, items = await _read(deps, lambda r: r.list_enterprises(
        scope=who.signed_in().township, township_code=township_code, industry=industry, status=status, page=page,
        page_size=page_size, sort=sort))
    return page_of(total, items, page, page_size)


async def enterprise_detail(deps: Deps, who: Actor, enterprise_id: UUID) -> dict[str, Any]:
    view = await _read(deps, lambda r: r.enterprise_view(enterprise_id))
    who.ensure_covers(view["township_code"])
    if not who.signed_in().sees_personal_data:
        name, phone = view["legal_representative"], view["legal_representative_phone"]
        view["legal_representative"] = mask_name(name) if name else None
        view["legal_representative_phone"] = mask_phone(phone) if phone else None
    return view


async def list_hazards(deps: Deps, who: Actor, *, township_code: str | None, level: str | None,
                       status: str | None, enterprise_id: UUID | None, overdue: bool, page: int,
                       page_size: int) -> dict[str, Any]:
    _narrow(deps, who, township_code)
    at = deps.clock() if overdue else None
    total, items = await _read(deps, lambda r: r.list_hazards(
        scope=who.signed_in().township, township_code=township_code, level=level, status=status, enterprise_id=enterprise_id,
        overdue_at=at, page=page, page_size=page_size))
    return page_of(total, items, page, page_size)


async def hazard_detail(deps: Deps, who: Actor, hazard_id: UUID) -> dict[str, Any]:
    view = await _read(deps, lambda r: r.hazard_view(hazard_id))
    who.ensure_covers(view["township_code"])
    return view


async def publication_due(deps: Deps, who: Actor, township_code: str | None) -> list[dict[str, Any]]:
    _narrow(deps, who, township_code)
    rows = await _read(deps, lambda r: r.publication_due(scope=who.signed_in().township, township_code=township_code))
    now = deps.clock()
    for row in rows:
        row["publication_overdue"] = now.date() > row["publish_due_on"]
    return rows


async def closure_proposals(deps: Deps, who: Actor, township_code: str | None) -> list[dict[str, Any]]:
    _narrow(deps, who, township_code)
    return await _read(deps, lambda r: r.closure_proposals(scope=who.signed_in().township, township_code=township_code))


async def list_accidents(deps: Deps, who: Actor, township_code: str | None) -> list[dict[str, Any]]:
    _narrow(deps, who, township_code)
    return await _read(deps, lambda r: r.list_accidents(scope=who.signed_in().township, township_code=township_code))


async def due_for_follow_up(deps: Deps, who: Actor, township_code: str, start: datetime,
                            end: datetime) -> list[Hazard]:
    """回头看: the township's hazards due for a reinspection in the campaign (a read, nothing locked)."""
    known_township(deps.county, township_code)
    who.ensure_covers(township_code)
    campaign = FollowUpCampaign(uuid4(), township_code, start, end)
    hazards = await _read(deps, lambda r: r.open_hazards_found_before(township_code, campaign.end,
                                                                       for_update=False))
    return due_for_reinspection(hazards, campaign)


def hazard_summary(h: Any, now: datetime | None = None) -> dict[str, Any]:
    return {"id": h.id, "enterprise_id": h.enterprise_id, "township_code": h.township_code, "level": h.level.value,
            "status": h.status.value, "deadline": h.deadline, "found_at": h.found_at,
            "reported_at": h.reported_at, "allowed_actions": sorted(h.allowed_actions()),
            **({"overdue": h.is_overdue(now)} if now is not None else {})}
