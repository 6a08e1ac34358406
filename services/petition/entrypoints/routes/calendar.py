"""HTTP routes of the county's holiday calendar (节假日安排): read it, enter a year from the notice.

`PUT /calendar/{year}` (county admin only) sets a year from the State Council's notice — holidays and
adjusted working weekends — and recounts, in the same transaction, the open deadlines counted with
that year; `GET /calendar` lists the known years and who entered them, `GET /calendar/{year}` one
year's days. Any staff token may read. Checks: see `domain/workcalendar.py`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from minqing_contract.bounds import LINE_PATTERN
from minqing_kit.actor import Actor
from minqing_kit.errors import NotFound
from minqing_kit.http import CurrentPrincipal

from ...adapters.calendar_store import CalendarStore, YearInfo
from ...domain.workcalendar import MAX_NAME, ListedDay, check_year
from ...service_layer.commands import EnterYear
from ..deps import ServiceDep

router = APIRouter(prefix="/calendar", tags=["calendar 节假日安排"])


class DayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: date = Field(description="日期 (YYYY-MM-DD, within the year)")
    name: str = Field(min_length=1, max_length=MAX_NAME, pattern=LINE_PATTERN,
                      description="名称 (e.g. 春节; for a working day 春节调休上班)")


class YearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    holidays: list[DayIn] = Field(min_length=1, max_length=366,
                                  description="放假日期，含假期内的周末 (holidays, weekends inside them included)")
    working_days: list[DayIn] = Field(default_factory=list, max_length=366,
                                      description="调休上班的周末 (weekends worked in exchange)")
    notice: str | None = Field(default=None, max_length=100, pattern=LINE_PATTERN,
                               description="通知文号 (the notice's reference, e.g. 国办发明电〔2026〕X号)")


def _info(y: YearInfo) -> dict[str, Any]:
    return {"year": y.year, "source": y.source,
            "source_zh": "县级录入（国务院通知）" if y.source == "county" else "内置日历（chinesecalendar）",
            "notice": y.notice, "entered_by": y.entered_by, "entered_at": y.entered_at,
            "holidays": y.holidays, "working_days": y.working_days}


@router.get("", summary="已知年份的节假日安排 / Years with a known holiday schedule, and who entered them")
async def list_years(principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    async with d.deps.read() as uow:
        years = await CalendarStore(uow.conn).years()
    return {"years": [_info(y) for y in years]}


@router.get("/{year}", summary="某年节假日安排 / One year's holidays and adjusted working days")
async def get_year(year: int, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    check_year(year)
    async with d.deps.read() as uow:
        found = await CalendarStore(uow.conn).year(year)
    if found is None:
        raise NotFound(f"尚未录入 {year} 年节假日安排 (no holiday schedule entered for {year})",
                       field="year", rule="exists")
    info, days = found
    return {**_info(info),
            "holidays": [{"day": r["day"], "name": r["name"]} for r in days if r["kind"] == "rest"],
            "working_days": [{"day": r["day"], "name": r["name"]} for r in days if r["kind"] == "work"]}


@router.put("/{year}", summary="录入某年节假日安排（国务院通知） / Enter a year's schedule from the State Council's"
                              " notice; open deadlines counted with it are recomputed")
async def put_year(year: int, body: YearIn, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    command = EnterYear(year, [ListedDay(x.day, x.name) for x in body.holidays],
                            [ListedDay(x.day, x.name) for x in body.working_days], body.notice)
    moved = await d.bus.handle(command, Actor.person(principal))
    return {"year": year, "recomputed": [
        {"matter_id": str(e.matter_id), "deadline": e.deadline.value, "previous_due_at": e.previous_due_at,
         "due_at": e.due_at, "provisional": e.provisional} for e in moved]}
