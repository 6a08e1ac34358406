"""回头看 follow-ups: hazards due for re-inspection in a campaign, and the batch of results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from minqing_contract.bounds import AwareInstant
from services.safety.entrypoints import schemas as s
from services.safety.entrypoints.deps import Bus, DepsDep, Reader, Writer
from services.safety.service_layer import commands as cmd
from services.safety.service_layer import queries

router = APIRouter()


@router.get("/follow-ups/due", tags=["follow-up"],
            summary="回头看待复查隐患 (Hazards due for re-inspection in a township and period)")
async def follow_up_due(deps: DepsDep, who: Reader, township_code: Annotated[str, Query(pattern=r"^\d{12}$")],
                        start: Annotated[AwareInstant, Query()], end: Annotated[AwareInstant, Query()]) -> list[dict[str, Any]]:
    due = await queries.due_for_follow_up(deps, who, township_code, start, end)
    now = deps.clock()
    return [queries.hazard_summary(h, now) for h in due]

@router.post("/follow-ups", tags=["follow-up"],
             summary="回头看批量记录复查结果（全部或全不） (Record 回头看 re-inspections in bulk, all or nothing)")
async def follow_up(body: s.FollowUpBody, bus: Bus, who: Writer) -> dict[str, Any]:
    lines = tuple(cmd.FollowUpLine(r.hazard_id, r.passed, r.inspected_at, r.note) for r in body.results)
    out = await bus.handle(cmd.RecordFollowUp(body.township_code, body.start, body.end, lines), who)
    return {"campaign_id": out.campaign_id, "closed": list(out.closed), "failed": list(out.failed)}
