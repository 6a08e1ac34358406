"""企业台账 enterprises: register, list, detail, resume, township suspension orders, §113 proposals."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from services.safety.domain.enums import Industry, OperatingStatus
from services.safety.entrypoints import schemas as s
from services.safety.entrypoints.deps import Bus, DepsDep, Page, PageSize, Reader, TownshipQ, Writer
from services.safety.service_layer import commands as cmd
from services.safety.service_layer import queries

router = APIRouter()

#: sort keys of the ledger (a leading "-" sorts descending); the adapter maps each to its column.
EnterpriseSort = Literal["registered_at", "-registered_at", "name", "-name", "credit_code", "-credit_code",
                         "permit_valid_until", "-permit_valid_until"]


@router.post("/enterprises", status_code=201, tags=["enterprises"],
             summary="登记企业 (Register an enterprise)")
async def register_enterprise(body: s.RegisterEnterpriseBody, deps: DepsDep, bus: Bus, who: Writer) -> dict[str, Any]:
    permit = cmd.PermitInput(**body.permit.model_dump()) if body.permit else None
    eid = await bus.handle(cmd.RegisterEnterprise(**body.model_dump(exclude={"permit"}), permit=permit), who)
    return await queries.enterprise_detail(deps, who, eid)

@router.get("/enterprises", tags=["enterprises"], summary="企业台账列表 (List enterprises: filter, paginate)")
async def list_enterprises(deps: DepsDep, who: Reader, township_code: TownshipQ = None,
                           industry: Industry | None = None,
                           status: OperatingStatus | None = None,
                           page: Page = 1, page_size: PageSize = 20,
                           sort: Annotated[EnterpriseSort, Query(description="排序 (sort key; '-' = descending)")]
                           = "registered_at") -> dict[str, Any]:
    return await queries.list_enterprises(deps, who, township_code=township_code,
                                          industry=industry.value if industry else None, status=status.value if status else None, page=page,
                                          page_size=page_size, sort=sort)

@router.get("/enterprises/{enterprise_id}", tags=["enterprises"],
            summary="企业详情与历史 (Enterprise detail with history)")
async def enterprise_detail(enterprise_id: UUID, deps: DepsDep, who: Reader) -> dict[str, Any]:
    return await queries.enterprise_detail(deps, who, enterprise_id)

@router.post("/enterprises/{enterprise_id}/resume", tags=["enterprises"],
             summary="复产（须停产后复查合格） (Resume production after a passed re-inspection)")
async def resume(enterprise_id: UUID, body: s.ResumeBody, deps: DepsDep, bus: Bus, who: Writer) -> dict[str, Any]:
    await bus.handle(cmd.ResumeEnterprise(enterprise_id, body.inspection_id), who)
    return await queries.enterprise_detail(deps, who, enterprise_id)

@router.post("/township-suspensions", tags=["enterprises"],
             summary="乡镇停产自查令 (Suspend an industry in a township for self-inspection)")
async def township_suspension(body: s.TownshipSuspensionBody, bus: Bus, who: Writer) -> dict[str, Any]:
    ids = await bus.handle(cmd.TownshipSuspension(body.township_code, body.industry), who)
    return {"suspended": ids}

@router.get("/closure-proposals", tags=["enterprises"],
            summary="§113 关闭建议 (Closure proposals under §113)")
async def closure_proposals(deps: DepsDep, who: Reader, township_code: TownshipQ = None) -> list[dict[str, Any]]:
    return await queries.closure_proposals(deps, who, township_code)
