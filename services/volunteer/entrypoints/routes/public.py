"""Public routes for villagers on their phones (no account): 点单 for their village, following it, signing up.

No token: the actor is the villager (`public:villager`), who has no township scope to check. What comes
back carries no personal data: a request is followed by its id (a random UUID, shown once after 点单), and
its public view has the status and dates only. The proxy limits these routes per client address
(deploy/nginx/minqing-locations.conf, `/volunteer/public/`), like the petition service's public lookup.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from minqing_kit.errors import NotFound
from services.volunteer.adapters import views
from services.volunteer.bootstrap import Deps
from services.volunteer.domain.enums import RequestStatus, Specialty, Urgency
from services.volunteer.entrypoints.deps import Bus, DepsDep
from services.volunteer.entrypoints.schemas import RequestIn, SlotIn, VolunteerIn
from services.volunteer.service_layer import commands as c

router = APIRouter(prefix="/public", tags=["公开（群众） public"])
#: The villager on their phone: no account, so no principal and no township scope to check.
VILLAGER = c.Actor("public:villager")

_DATES = ("submitted_at", "approved_at", "dispatched_at", "accepted_at", "started_at", "completed_at",
          "rated_at", "closed_at")


class PublicRequestIn(RequestIn):
    requester_phone: str = Field(pattern=r"^1\d{10}$", description="联系电话 (the station calls back)")


class PublicVolunteerIn(VolunteerIn):
    """Self sign-up: no teams (a station adds the volunteer to its teams after meeting them)."""

    team_ids: list[UUID] = Field(default=[], max_length=0)
    available_time: list[SlotIn] = Field(default=[], max_length=50)


def _public_view(deps: Deps, row: Any) -> dict[str, Any]:
    status = RequestStatus(row["status"])
    village = deps.county.village(row["village_code"])
    return {"id": row["id"], "status": status.value, "status_label": status.label,
            "category": row["category"], "category_label": Specialty(row["category"]).label,
            "village_code": row["village_code"], "village_name": village.name if village else None,
            **{k: row[k] for k in _DATES}}


@router.get("/reference", summary="参考数据 The county's townships, villages and departments; service fields and urgencies")
async def reference(deps: DepsDep) -> dict[str, Any]:
    county = deps.county
    return {
        "county": {"code": county.code, "name": county.name},
        "townships": [{"code": t.code, "name": t.name,
                       "villages": [{"code": v.code, "name": v.name} for v in t.villages
                                    if not county.is_retired(v.code)]}  # the forms offer active ones only
                      for t in county.townships],
        "departments": [{"code": d.code, "name": d.name} for d in county.departments if not county.is_retired(d.code)],
        "specialties": [{"value": s.value, "label": s.label} for s in Specialty],
        "urgencies": [{"value": u.value, "label": u.label} for u in Urgency],
    }


@router.post("/requests", status_code=201, summary="群众点单 A villager orders a service for their village")
async def submit(body: PublicRequestIn, bus: Bus, deps: DepsDep) -> dict[str, Any]:
    req = await bus.handle(c.SubmitRequest(
        category=body.category, village_code=body.village_code, description=body.description, urgency=body.urgency,
        requester_name=body.requester_name, requester_phone=body.requester_phone,
        preferred_start=body.preferred_start, preferred_end=body.preferred_end), VILLAGER)
    return await follow(req.id, deps)


@router.get("/requests/{request_id}", summary="跟踪点单进度 Follow a request (status and dates, no personal data)")
async def follow(request_id: UUID, deps: DepsDep) -> dict[str, Any]:
    async with deps.read() as uow:
        row, _audit, _rating, _hours = await views.request_detail(uow.conn, request_id)
    if row is None:
        raise NotFound(f"微心愿不存在 (no request {request_id})", field="request_id", rule="exists")
    return _public_view(deps, row)


@router.post("/volunteers", status_code=201, summary="志愿者报名 Sign up as a volunteer (personal data encrypted)")
async def sign_up(body: PublicVolunteerIn, bus: Bus, deps: DepsDep) -> dict[str, Any]:
    volunteer_id = await bus.handle(c.RegisterVolunteer(
        name=body.name, phone=body.phone, id_number=body.id_number, township_code=body.township_code,
        skills=tuple(body.skills), available_time=tuple(c.Slot(s.weekday, s.start, s.end) for s in body.available_time),
        team_ids=()), VILLAGER)
    township = deps.county.township(body.township_code)
    return {"id": volunteer_id, "township_code": body.township_code,
            "township_name": township.name if township else None, "skills": sorted(set(body.skills))}
