"""Stations, service points and teams (新时代文明实践 network)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.volunteer.adapters import views
from services.volunteer.domain.enums import Specialty
from services.volunteer.entrypoints.deps import Bus, DepsDep, Reader, Writer
from services.volunteer.entrypoints.schemas import ServicePointIn, StationIn, TeamIn
from services.volunteer.service_layer import commands as c

router = APIRouter(tags=["实践站点与服务队 network"])


def _scope_prefix(actor: Reader) -> str | None:
    if actor.principal is None:
        raise RuntimeError("readers are signed-in operators (the Reader dependency requires a principal)")
    return None if actor.principal.county_wide else actor.principal.township[:9]


@router.post("/stations", status_code=201, summary="登记实践站点 Register a station (中心/所/站)")
async def register_station(body: StationIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    s = await bus.handle(c.RegisterStation(body.level, body.division_code, body.name), actor)
    return {"id": s.id, "level": s.level.value, "division_code": s.division_code, "name": s.name}


@router.get("/stations", summary="实践站点列表 List stations")
async def list_stations(deps: DepsDep, actor: Reader) -> list[dict[str, Any]]:
    async with deps.read() as uow:
        return [dict(r) for r in await views.list_stations(uow.conn, _scope_prefix(actor))]


@router.post("/service-points", status_code=201, summary="登记服务点 Register a service point (微笑小屋 ...)")
async def register_service_point(body: ServicePointIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    p = await bus.handle(c.RegisterServicePoint(body.station_id, body.name), actor)
    return {"id": p.id, "name": p.name, "station_id": p.station_id, "village_code": p.village_code}


@router.post("/teams", status_code=201, summary="登记服务队 Register a volunteer team")
async def register_team(body: TeamIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    t = await bus.handle(c.RegisterTeam(body.name, body.home_station_id, tuple(body.specialties), body.capacity),
                         actor)
    return {"id": t.id, "name": t.name, "level": t.level.value, "home_division_code": t.home_division_code,
            "specialties": sorted(s.value for s in t.specialties), "capacity": t.capacity}


@router.get("/teams", summary="服务队列表 List teams (with open assignments)")
async def list_teams(deps: DepsDep, actor: Reader,
                     specialty: Annotated[Specialty | None, Query(description="服务领域 specialty")] = None
                     ) -> list[dict[str, Any]]:
    async with deps.read() as uow:
        return [dict(r) for r in await views.list_teams(uow.conn, _scope_prefix(actor),
                                                       specialty.value if specialty else None)]
