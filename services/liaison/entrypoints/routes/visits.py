"""Visits (民情记录簿): the paired cadre records a visit; problems needing handling go to petition."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from minqing_kit.errors import NotFound
from services.liaison.adapters import views
from services.liaison.entrypoints.deps import Bus, DepsDep, Reader, Writer
from services.liaison.entrypoints.schemas import VisitIn
from services.liaison.service_layer import commands as c

router = APIRouter(prefix="/households/{household_id}/visits", tags=["走访 visits"])


@router.post("", status_code=201, summary="记录走访 Record a visit (problems needing handling become petition matters)")
async def record(household_id: UUID, body: VisitIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    v = await bus.handle(c.RecordVisit(
        household_id, body.visited_on, body.seen, body.said, body.help_given,
        tuple(c.ProblemInput(p.category, p.subcategory, p.description, p.needs_handling) for p in body.problems)),
        actor)
    return {"id": v.id, "household_id": v.household_id, "visited_on": v.visited_on,
            "problems": [{"id": p.id, "category": p.category, "subcategory": p.subcategory,
                          "needs_handling": p.needs_handling} for p in v.problems]}


@router.get("", summary="走访记录 The household's visits (民情记录簿)")
async def list_visits(household_id: UUID, deps: DepsDep, actor: Reader) -> dict[str, Any]:
    async with deps.read() as uow:
        household = await views.get_household(uow.conn, household_id)
        if household is None:
            raise NotFound(f"农户不存在 (no household {household_id})", field="household_id", rule="exists")
        actor.ensure_covers(household["village_code"])
        rows = await views.list_visits(uow.conn, household_id)
    personal = actor.principal is not None and actor.principal.sees_personal_data
    items = []
    for r in rows:
        record = json.loads(deps.cipher.decrypt(r["record_enc"]) or "{}")
        items.append({"id": r["id"], "cadre_id": r["cadre_id"], "visited_on": r["visited_on"],
                      "problems": r["problems"], "raised": r["raised"],
                      **(record if personal else {"record_masked": True})})
    return {"items": items}
