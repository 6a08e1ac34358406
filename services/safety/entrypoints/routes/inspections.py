"""检查 inspections: the industry checklists and recording an inspection (findings may raise hazards)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from services.safety.domain.checklist import checklist_for
from services.safety.domain.enums import Industry
from services.safety.entrypoints import schemas as s
from services.safety.entrypoints.deps import Bus, Reader, Writer
from services.safety.service_layer import commands as cmd

router = APIRouter()


@router.get("/checklists/{industry}", tags=["inspections"],
            summary="行业检查清单 (Inspection checklist of an industry)")
async def checklist(industry: Industry, who: Reader) -> dict[str, Any]:
    return {"industry": industry.value, "label": industry.label,
            "items": [{"code": i.code, "label": i.label} for i in checklist_for(industry)]}

@router.post("/enterprises/{enterprise_id}/inspections", status_code=201, tags=["inspections"],
             summary="记录检查（清单结果与问题，问题可形成隐患） (Record an inspection; findings may raise hazards)")
async def record_inspection(enterprise_id: UUID, body: s.InspectionBody, bus: Bus,
                            who: Writer) -> dict[str, Any]:
    findings = tuple(
        cmd.FindingInput(f.description, f.item,
                         cmd.HazardInput(f.hazard.level, f.hazard.requirement, f.hazard.deadline) if f.hazard else None)
        for f in body.findings)
    out = await bus.handle(cmd.RecordInspection(enterprise_id, body.kind, tuple(body.inspectors), body.inspected_at,
                                                body.results, findings), who)
    return {"inspection_id": out.inspection_id, "passed": out.passed, "hazard_ids": list(out.hazard_ids)}
