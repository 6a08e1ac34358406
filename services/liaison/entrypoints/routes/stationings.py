"""Stationings (驻村): assignment, the cadre's daily presence and weekly report, closed weeks, and the
township's view of who is short of the seasonal minimum this week."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from minqing_kit.clock import county_day
from minqing_kit.errors import NotFound
from services.liaison.adapters import views
from services.liaison.bootstrap import Deps
from services.liaison.domain.presence_rule import assess_week, week_start
from services.liaison.entrypoints.deps import Bus, DepsDep, Page, PageSize, Reader, TownshipQ, Writer
from services.liaison.entrypoints.schemas import EndStationingIn, PresenceIn, StationingIn, WeeklyReportIn
from services.liaison.service_layer import commands as c

router = APIRouter(tags=["驻村 stationings"])
ActiveOn = Annotated[date | None, Query(description="在该日驻村 (active on)")]


def _out(row: Any) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "cadre_id", "township_code", "village_code", "starts_on", "ends_on",
                                "closed_through", "short_streak")}


async def _row(deps: Deps, stationing_id: UUID, actor: c.Actor) -> Any:
    async with deps.read() as uow:
        row = await views.get_stationing(uow.conn, stationing_id)
    if row is None:
        raise NotFound(f"驻村记录不存在 (no stationing {stationing_id})", field="stationing_id", rule="exists")
    actor.ensure_covers(row["village_code"])
    return row


@router.post("/stationings", status_code=201, summary="安排驻村 Station a cadre in a village")
async def station(body: StationingIn, deps: DepsDep, bus: Bus, actor: Writer) -> dict[str, Any]:
    s = await bus.handle(c.StationCadre(body.cadre_id, body.village_code, body.starts_on, body.ends_on), actor)
    return _out(await _row(deps, s.id, actor))


@router.get("/stationings", summary="驻村干部列表 Stationings (township scope)")
async def list_stationings(deps: DepsDep, actor: Reader, township_code: TownshipQ = None, page: Page = 1,
                           page_size: PageSize = 20, active_on: ActiveOn = None) -> dict[str, Any]:
    scope = actor.list_scope(township_code)
    async with deps.read() as uow:
        total, rows = await views.list_stationings(uow.conn, scope, active_on=active_on, limit=page_size,
                                                   offset=(page - 1) * page_size)
    return {"items": [_out(r) for r in rows], "total": total, "page": page, "page_size": page_size}


@router.get("/stationings/this-week", summary="本周驻村情况 Who is short of the minimum this week")
async def this_week(deps: DepsDep, actor: Reader, township_code: TownshipQ = None) -> dict[str, Any]:
    """Each active stationing's week so far: the cadre's work-contact name, required days, days in the village,
    days still possible."""
    scope = actor.list_scope(township_code)
    today = county_day(deps.clock())
    monday = week_start(today)
    async with deps.read() as uow:
        _, rows = await views.list_stationings(uow.conn, scope, active_on=today, limit=1000, offset=0)
        presence = await views.presence_between(uow.conn, [r["id"] for r in rows], monday, monday + timedelta(6))
        names = await views.cadre_names(uow.conn, [r["cadre_id"] for r in rows])
    by_stationing: dict[UUID, dict[date, str]] = {}
    for p in presence:
        by_stationing.setdefault(p["stationing_id"], {})[p["day"]] = p["status"]
    items = []
    for r in rows:
        w = assess_week(monday, by_stationing.get(r["id"], {}), rule=deps.rule, calendar=deps.calendar,
                        stationed=(r["starts_on"], r["ends_on"]))
        remaining = sum(1 for i in range(7) if (d := monday + timedelta(i)) > today and deps.calendar.is_workday(d)
                        and d >= r["starts_on"] and (r["ends_on"] is None or d <= r["ends_on"]))
        items.append({**_out(r), "cadre_name": names.get(r["cadre_id"]), "required_days": w.required_days, "in_village_days": w.in_village_days,
                      "excused_days": w.excused_days, "working_days_left": remaining,
                      "short": w.in_village_days < w.required_days,
                      "cannot_meet": w.in_village_days + remaining < w.required_days})
    return {"week_start": monday, "today": today, "items": items,
            "short": sum(1 for i in items if i["short"])}


@router.get("/stationings/{stationing_id}", summary="驻村详情 Stationing with its closed weeks")
async def detail(stationing_id: UUID, deps: DepsDep, actor: Reader) -> dict[str, Any]:
    row = await _row(deps, stationing_id, actor)
    async with deps.read() as uow:
        weeks = await views.closed_weeks(uow.conn, stationing_id)
    return {**_out(row), "weeks": [dict(w) for w in weeks]}


@router.post("/stationings/{stationing_id}/end", summary="结束驻村 Set the stationing's last day")
async def end(stationing_id: UUID, body: EndStationingIn, deps: DepsDep, bus: Bus, actor: Writer) -> dict[str, Any]:
    await bus.handle(c.EndStationing(stationing_id, body.ends_on), actor)
    return _out(await _row(deps, stationing_id, actor))


@router.post("/stationings/{stationing_id}/close-week", summary="结算下一周 Close the next ended week now")
async def close_week(stationing_id: UUID, bus: Bus, actor: Writer) -> dict[str, Any]:
    result = await bus.handle(c.CloseWeek(stationing_id), actor)
    if result is None:
        return {"closed": None}
    return {"closed": {"week_start": result.week_start, "required_days": result.required_days,
                       "in_village_days": result.in_village_days, "met": result.met}}


@router.post("/presence", status_code=201, summary="登记本人在岗情况 Record my presence for a day")
async def presence(body: PresenceIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    p = await bus.handle(c.RecordPresence(body.day, body.status, body.note), actor)
    return {"day": p.day, "status": p.status.value, "note": p.note}


@router.post("/weekly-reports", status_code=201, summary="提交周工作情况 Submit my weekly work report")
async def weekly_report(body: WeeklyReportIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    s = await bus.handle(c.SubmitWeeklyReport(body.week_start, body.text), actor)
    return {"stationing_id": s.id, "week_start": week_start(body.week_start)}
