"""处罚 penalties: legal bases, decisions (§113 checked), refusals, publication within 7 working days."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from services.safety.domain.penalty import RULES
from services.safety.entrypoints import schemas as s
from services.safety.entrypoints.deps import Bus, DepsDep, Reader, TownshipQ, Writer
from services.safety.service_layer import commands as cmd
from services.safety.service_layer import queries

router = APIRouter()


@router.get("/penalty-rules", tags=["penalties"], summary="处罚依据与金额范围 (Legal bases and fine ranges)")
async def penalty_rules(who: Reader) -> list[dict[str, Any]]:
    return [{"code": r.code, "article": r.article, "target": r.target.value, "min_yuan": r.min_yuan,
             "max_yuan": r.max_yuan, "needs_hazard": r.needs_hazard} for r in RULES.values()]

@router.post("/penalties", status_code=201, tags=["penalties"],
             summary="处罚决定（§113 关闭规则自动检查） (Penalty decision; checks the §113 closure rule)")
async def impose_penalty(body: s.PenaltyBody, bus: Bus, who: Writer) -> dict[str, Any]:
    out = await bus.handle(
        cmd.ImposePenalty(body.enterprise_id, body.article, body.amount_yuan, body.decided_at, body.hazard_id), who)
    return {"penalty_id": out.penalty_id, "publish_due_on": out.publish_due_on,
            "closure_proposed": out.closure_proposed}

@router.post("/penalties/{penalty_id}/refusal", tags=["penalties"],
             summary="拒不执行 → 停产停业整顿 (Refusal recorded → production suspended)")
async def refusal(penalty_id: UUID, bus: Bus, who: Writer) -> dict[str, Any]:
    ent = await bus.handle(cmd.RecordRefusal(penalty_id), who)
    return {"enterprise_id": ent.id, "operating_status": ent.operating_status.value,
            "permit_status": ent.permit.status.value if ent.permit else None}

@router.post("/penalties/{penalty_id}/publication", tags=["penalties"],
             summary="处罚决定已公开 (Penalty decision published)")
async def published(penalty_id: UUID, bus: Bus, who: Writer) -> dict[str, Any]:
    p = await bus.handle(cmd.MarkPublished(penalty_id), who)
    return {"penalty_id": penalty_id, "published": True, "published_at": p.published_at,
            "on_time": p.published_on_time}

@router.get("/penalties/publication-due", tags=["penalties"],
            summary="待公开的处罚决定（7个工作日内） (Decisions awaiting publication within 7 working days)")
async def publication_due(deps: DepsDep, who: Reader, township_code: TownshipQ = None) -> list[dict[str, Any]]:
    return await queries.publication_due(deps, who, township_code)
