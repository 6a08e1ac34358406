"""事故 accidents: reports (graded, late flag) and the list."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from services.safety.entrypoints import schemas as s
from services.safety.entrypoints.deps import Bus, DepsDep, Reader, TownshipQ, Writer
from services.safety.service_layer import commands as cmd
from services.safety.service_layer import queries

router = APIRouter()


@router.post("/enterprises/{enterprise_id}/accidents", status_code=201, tags=["accidents"],
             summary="事故报告（自动定级、迟报标记） (Report an accident: graded, late flag)")
async def report_accident(enterprise_id: UUID, body: s.AccidentBody, bus: Bus, who: Writer) -> dict[str, Any]:
    out = await bus.handle(cmd.ReportAccident(enterprise_id, **body.model_dump()), who)
    return {"accident_id": out.accident_id, "grade": out.grade, "late_report": out.late_report,
            "operating_status": out.operating_status, "permit_status": out.permit_status}

@router.get("/accidents", tags=["accidents"], summary="事故列表 (List accidents)")
async def list_accidents(deps: DepsDep, who: Reader, township_code: TownshipQ = None) -> list[dict[str, Any]]:
    return await queries.list_accidents(deps, who, township_code)
