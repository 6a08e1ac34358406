"""隐患 hazards: list, detail, the six-part plan, rectification reports, re-inspections."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from services.safety.domain.enums import HazardLevel, HazardStatus
from services.safety.entrypoints import schemas as s
from services.safety.entrypoints.deps import Bus, DepsDep, Page, PageSize, Reader, TownshipQ, Writer
from services.safety.service_layer import commands as cmd
from services.safety.service_layer import queries

router = APIRouter()


@router.get("/hazards", tags=["hazards"], summary="隐患列表 (List hazards: filter, paginate)")
async def list_hazards(deps: DepsDep, who: Reader, township_code: TownshipQ = None,
                       level: HazardLevel | None = None, status: HazardStatus | None = None, enterprise_id: UUID | None = None,
                       overdue: Annotated[bool, Query(description="只看已逾期 (only overdue)")] = False,
                       page: Page = 1, page_size: PageSize = 20) -> dict[str, Any]:
    return await queries.list_hazards(deps, who, township_code=township_code, level=level.value if level else None,
                                      status=status.value if status else None,
                                      enterprise_id=enterprise_id, overdue=overdue, page=page, page_size=page_size)

@router.get("/hazards/{hazard_id}", tags=["hazards"], summary="隐患详情与历史 (Hazard detail with history)")
async def hazard_detail(hazard_id: UUID, deps: DepsDep, who: Reader) -> dict[str, Any]:
    return await queries.hazard_detail(deps, who, hazard_id)

@router.post("/hazards/{hazard_id}/plan", tags=["hazards"],
             summary="提交重大隐患治理方案（六部分） (Submit a major hazard's six-part plan)")
async def submit_plan(hazard_id: UUID, body: s.PlanBody, deps: DepsDep, bus: Bus, who: Writer) -> dict[str, Any]:
    hz = await bus.handle(cmd.SubmitPlan(hazard_id, body.plan), who)
    return queries.hazard_summary(hz, deps.clock())

@router.post("/hazards/{hazard_id}/rectification", tags=["hazards"],
             summary="企业报告整改完成 (Enterprise reports the hazard rectified)")
async def report_rectification(hazard_id: UUID, body: s.RectificationBody, deps: DepsDep, bus: Bus,
                               who: Writer) -> dict[str, Any]:
    hz = await bus.handle(cmd.ReportRectification(hazard_id, tuple(body.evidence)), who)
    return queries.hazard_summary(hz, deps.clock())

@router.post("/hazards/{hazard_id}/reinspection", tags=["hazards"],
             summary="复查（合格销号 / 不合格） (Re-inspect: passed closes, failed opens a penalty)")
async def reinspect(hazard_id: UUID, body: s.ReinspectionBody, deps: DepsDep, bus: Bus, who: Writer) -> dict[str, Any]:
    hz = await bus.handle(cmd.Reinspect(hazard_id, body.passed, body.note), who)
    return queries.hazard_summary(hz, deps.clock())
