"""Households (联户): registration and updates (personal data encrypted, masked for roles without
access), the help plan, pairing with a cadre, and the contact card (JSON and a printable page)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from minqing_kit.crypto import mask_id_number, mask_name, mask_phone
from minqing_kit.errors import NotFound
from services.liaison.adapters import card_html, views
from services.liaison.bootstrap import Deps
from services.liaison.entrypoints.deps import Bus, DepsDep, Page, PageSize, Reader, TownshipQ, Writer
from services.liaison.entrypoints.schemas import (
    HelpItemIn,
    HouseholdIn,
    HouseholdUpdateIn,
    PairingIn,
    ProgressIn,
)
from services.liaison.service_layer import commands as c

router = APIRouter(prefix="/households", tags=["联户 households"])


def _personal(actor: c.Actor) -> bool:
    return actor.principal is not None and actor.principal.sees_personal_data


def _members(row: Any, deps: Deps) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = json.loads(deps.cipher.decrypt(row["members_enc"]) or "[]")
    return members


def _out(row: Any, deps: Deps, actor: c.Actor) -> dict[str, Any]:
    personal = _personal(actor)
    members = []
    for m in _members(row, deps):
        if not personal:
            m = {**m, "name": mask_name(m["name"]), "id_number": mask_id_number(m["id_number"] or "") or None,
                 "phone": mask_phone(m["phone"] or "") or None}
        members.append(m)
    out = {"id": row["id"], "household": row["household_ref"], "township_code": row["township_code"],
           "village_code": row["village_code"], "members": members, "income_band": row["income_band"],
           "needs": json.loads(deps.cipher.decrypt(row["needs_enc"]) or "[]"), "cadre_id": row["cadre_id"],
           "plan": row["plan"], "personal_data_masked": not personal}
    if "last_visit" in row.keys():
        out["last_visit"] = row["last_visit"]
    return out


async def _row(deps: Deps, household_id: UUID, actor: c.Actor) -> Any:
    async with deps.read() as uow:
        row = await views.get_household(uow.conn, household_id)
    if row is None:
        raise NotFound(f"农户不存在 (no household {household_id})", field="household_id", rule="exists")
    actor.ensure_covers(row["village_code"])
    return row


def _member_inputs(members: list[Any]) -> tuple[c.MemberInput, ...]:
    return tuple(c.MemberInput(m.name, m.relation, m.employment, m.id_number, m.phone) for m in members)


@router.post("", status_code=201, summary="登记联系户 Register a household")
async def register(body: HouseholdIn, deps: DepsDep, bus: Bus, actor: Writer) -> dict[str, Any]:
    h = await bus.handle(c.RegisterHousehold(body.village_code, _member_inputs(body.members), body.income_band,
                                             tuple(body.needs)), actor)
    return _out(await _row(deps, h.id, actor), deps, actor)


@router.get("", summary="联系户列表 Households (township scope; `unvisited_month` lists those not visited that month)")
async def list_households(deps: DepsDep, actor: Reader, township_code: TownshipQ = None,
                          village_code: str | None = Query(default=None, pattern=r"^\d{12}$"),
                          unvisited_month: str | None = Query(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                                                              description="YYYY-MM: 本月未走访 (not visited since)"),
                          page: Page = 1, page_size: PageSize = 20) -> dict[str, Any]:
    scope = actor.list_scope(township_code)
    since = None
    if unvisited_month is not None:
        year, month = unvisited_month.split("-")
        since = date(int(year), int(month), 1)
    async with deps.read() as uow:
        total, rows = await views.list_households(uow.conn, scope, village_code, unvisited_since=since,
                                                  limit=page_size, offset=(page - 1) * page_size)
        names = await views.cadre_names(uow.conn, sorted({r["cadre_id"] for r in rows if r["cadre_id"]}))
    return {"items": [{**_out(r, deps, actor), "cadre_name": names.get(r["cadre_id"] or "")} for r in rows],
            "total": total, "page": page, "page_size": page_size}


@router.get("/{household_id}", summary="联系户详情 Household with its help plan")
async def detail(household_id: UUID, deps: DepsDep, actor: Reader) -> dict[str, Any]:
    return _out(await _row(deps, household_id, actor), deps, actor)


@router.put("/{household_id}", summary="更新户情（动态管理） Update the household's data")
async def update(household_id: UUID, body: HouseholdUpdateIn, deps: DepsDep, bus: Bus, actor: Writer) -> dict[str, Any]:
    await bus.handle(c.UpdateHousehold(household_id, _member_inputs(body.members), body.income_band,
                                       tuple(body.needs)), actor)
    return _out(await _row(deps, household_id, actor), deps, actor)


@router.post("/{household_id}/plan", status_code=201, summary="新增帮扶事项 Add a help plan item")
async def plan(household_id: UUID, body: HelpItemIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    item = await bus.handle(c.PlanHelpItem(household_id, body.title, body.due_on), actor)
    return {"id": item.id, "title": item.title, "due_on": item.due_on, "status": item.status.value,
            "progress": item.progress}


@router.post("/{household_id}/plan/{item_id}/progress", summary="记录帮扶进度 Record an item's progress")
async def progress(household_id: UUID, item_id: UUID, body: ProgressIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    item = await bus.handle(c.RecordHelpProgress(household_id, item_id, body.status, body.progress, body.note), actor)
    return {"id": item.id, "title": item.title, "status": item.status.value, "progress": item.progress}


@router.post("/{household_id}/pairing", summary="结对干部 Pair the household with a cadre (issues the card)")
async def pair(household_id: UUID, body: PairingIn, deps: DepsDep, bus: Bus, actor: Writer) -> dict[str, Any]:
    await bus.handle(c.PairHousehold(household_id, body.cadre_id), actor)
    return _out(await _row(deps, household_id, actor), deps, actor)


@router.post("/{household_id}/card", status_code=201, summary="补发联系卡 Reissue the contact card")
async def reissue(household_id: UUID, bus: Bus, actor: Writer) -> dict[str, Any]:
    card = await bus.handle(c.ReissueCard(household_id), actor)
    return {"card_no": card.card_no, "cadre_name": card.cadre_name, "work_phone": card.work_phone,
            "email": card.email, "pledged": list(card.pledged), "issued_at": card.issued_at}


async def _card(deps: Deps, household_id: UUID, actor: c.Actor) -> tuple[Any, Any]:
    row = await _row(deps, household_id, actor)
    async with deps.read() as uow:
        card = await views.latest_card(uow.conn, household_id)
    if card is None:
        raise NotFound("该户尚无联系卡 (no card issued yet: pair the household first)", field="household_id",
                       rule="card_issued")
    return row, card


@router.get("/{household_id}/card", summary="干群联系卡 The household's current contact card")
async def card(household_id: UUID, deps: DepsDep, actor: Reader) -> dict[str, Any]:
    _, card = await _card(deps, household_id, actor)
    return {"card_no": card["card_no"], "cadre_id": card["cadre_id"], "cadre_name": card["cadre_name"],
            "work_phone": card["work_phone"], "email": card["email"], "pledged": card["pledged"],
            "issued_at": card["issued_at"]}


@router.get("/{household_id}/card/print", response_class=HTMLResponse,
            summary="打印联系卡 Printable contact card (print to paper or PDF from the browser)")
async def card_print(household_id: UUID, deps: DepsDep, actor: Reader) -> HTMLResponse:
    row, card = await _card(deps, household_id, actor)
    head = _members(row, deps)[0]["name"]
    village = deps.county.name_of(row["village_code"]) or row["village_code"]
    return HTMLResponse(card_html.render(
        household_head=head if _personal(actor) else mask_name(head), village=village, cadre_name=card["cadre_name"],
        work_phone=card["work_phone"], email=card["email"], pledged=list(card["pledged"]), card_no=card["card_no"],
        issued_at=card["issued_at"]))
