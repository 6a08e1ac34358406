"""Organised activities (义诊, 爱国卫生, 普法宣传 ...) with participants' hours and person-times (人次)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from services.volunteer.adapters import views
from services.volunteer.entrypoints.deps import Bus, DepsDep, Page, PageSize, Reader, Writer
from services.volunteer.entrypoints.schemas import ActivityIn
from services.volunteer.service_layer import commands as c

router = APIRouter(prefix="/activities", tags=["志愿服务活动 activities"])


@router.post("", status_code=201, summary="登记活动 Record an activity held (hours for each participant)")
async def record(body: ActivityIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    a = await bus.handle(c.RecordActivity(
        activity_type=body.activity_type, title=body.title, team_id=body.team_id, place_code=body.place_code,
        held_at=body.held_at, organiser=body.organiser,
        participants=tuple(c.SpanInput(p.volunteer_id, p.start, p.end) for p in body.participants)), actor)
    return {"id": a.id, "activity_type": a.activity_type.value, "title": a.title, "team_id": a.team_id,
            "place_code": a.place_code, "held_at": a.held_at, "person_times": a.person_times,
            "volunteers": a.volunteer_count, "total_minutes": a.total_minutes}


@router.get("", summary="活动列表 List activities (township scope)")
async def list_activities(deps: DepsDep, actor: Reader, page: Page = 1, page_size: PageSize = 20,
                          township_code: str | None = Query(default=None, pattern=r"^\d{12}$")) -> dict[str, Any]:
    township_code = actor.list_scope(township_code)
    async with deps.read() as uow:
        total, rows = await views.list_activities(uow.conn, township_code, limit=page_size,
                                                  offset=(page - 1) * page_size)
    return {"items": [dict(r) for r in rows], "total": total, "page": page, "page_size": page_size}
