"""Cadres' own work contact (printed on the households' contact cards)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from minqing_kit.errors import NotFound
from services.liaison.adapters import views
from services.liaison.entrypoints.deps import Bus, DepsDep, Reader, Writer
from services.liaison.entrypoints.schemas import CadreContactIn
from services.liaison.service_layer import commands as c

router = APIRouter(prefix="/cadres", tags=["干部 cadres"])


@router.put("/me", summary="登记本人工作联系方式 Register my work contact (for contact cards)")
async def put_me(body: CadreContactIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    record = await bus.handle(c.RegisterCadreContact(body.township_code, body.name, body.work_phone, body.email), actor)
    return {"cadre_id": record.cadre_id, "township_code": record.township_code, "name": record.name,
            "work_phone": record.work_phone, "email": record.email}


@router.get("/me", summary="本人工作联系方式 My work contact")
async def get_me(deps: DepsDep, actor: Reader) -> dict[str, Any]:
    async with deps.read() as uow:
        row = await views.get_cadre(uow.conn, actor.signed_in().subject)
    if row is None:
        raise NotFound("尚未登记工作联系方式 (no work contact registered)", field="cadre_id", rule="exists")
    return {k: row[k] for k in ("cadre_id", "township_code", "name", "work_phone", "email")}
