"""HTTP API of the reporting service (全县报表): figures, rankings, open lists, exports, the dashboard.

Run: `uvicorn services.reporting.entrypoints.api:app --port 8104`. Every role may read; a token scoped
to a township (乡镇操作员, 只读) sees its township's figures plus the county ranking. The dashboard
(`/dashboard/`) and its JSON (`/api/dashboard`, `/api/stream`) also answer without a token when
`MINQING_REPORTING_PUBLIC_DASHBOARD` is on (default in development and test, off in production).
A token comes only as `Authorization: Bearer …`, never in the URL (URLs reach access logs and proxies);
the dashboard reads its event stream through fetch so that it can send the header.
See docs/reporting.md.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from minqing_contract.bounds import EARLIEST_DAY, LATEST_DAY, IsoDay
from minqing_kit.auth import Principal, Unauthorized
from minqing_kit.errors import Forbidden, InvalidInput, NotFound
from minqing_kit.http import ACCESS_COOKIE, create_app, current_principal
from minqing_kit.runtime import ServiceRuntime
from services.reporting.adapters import spreadsheets
from services.reporting.bootstrap import MIGRATIONS, Clock, Deps, bootstrap
from services.reporting.domain import figures as fg
from services.reporting.domain.periods import Period, PeriodKind
from services.reporting.service_layer import exports, queries
from services.reporting.service_layer.queries import Span
from services.reporting.settings import ReportingSettings

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class BadPeriod(InvalidInput):
    code = "invalid_period"


def _state_deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


async def _deps(request: Request) -> Deps:  # async: FastAPI runs a plain `def` dependency in a thread
    return _state_deps(request)


DepsDep = Annotated[Deps, Depends(_deps)]


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def reader(request: Request) -> Principal:
    """Any role may read, with its token in the Authorization header or the session cookie (the kit's rule)."""
    return await current_principal(request)


async def dashboard_reader(request: Request) -> Principal | None:
    """A verified principal, or None (county scope) when the public dashboard is on and no token came."""
    if _token(request) is None and not request.cookies.get(ACCESS_COOKIE):
        if _state_deps(request).settings.public_dashboard:
            return None
        raise Unauthorized("缺少登录凭证 (missing bearer token; the public dashboard is off)")
    return await current_principal(request)


Reader = Annotated[Principal, Depends(reader)]
DashboardReader = Annotated[Principal | None, Depends(dashboard_reader)]
TownshipQ = Annotated[str | None, Query(pattern=r"^\d{12}$", description="乡镇区划代码 (township code)")]


def scope(who: Principal | None, township: str | None) -> str | None:
    """The township a request may see (None = the whole county)."""
    if township is not None and township.endswith("000000"):
        township = None  # the county code itself
    if who is None or who.county_wide:
        if township is not None and who is not None:
            who.ensure_covers(township)
        return township
    own = who.township[:9] + "000"
    if township is not None and township[:9] != own[:9]:
        raise Forbidden(f"无权查看其他乡镇的数据 (township {township} is outside your scope {own})",
                        field="township", rule="scope")
    return own


def _period(text: str, kind: PeriodKind | None = None) -> Period:
    if (m := _MONTH.match(text) or _QUARTER.match(text)) and not EARLIEST_DAY.year <= int(m.group(1)) <= LATEST_DAY.year:
        raise BadPeriod(f"年份须在 {EARLIEST_DAY.year} 至 {LATEST_DAY.year} 之间 (the year must be between "
                        f"{EARLIEST_DAY.year} and {LATEST_DAY.year}, got {text!r})", field="period", rule="range")
    if (m := _MONTH.match(text)) and kind in (None, PeriodKind.month) and 1 <= int(m.group(2)) <= 12:
        return Period.month(int(m.group(1)), int(m.group(2)))
    if (m := _QUARTER.match(text)) and kind in (None, PeriodKind.quarter):
        return Period.quarter(int(m.group(1)), int(m.group(2)))
    want = {None: "YYYY-MM 或 YYYY-Qn", PeriodKind.month: "YYYY-MM", PeriodKind.quarter: "YYYY-Qn"}[kind]
    raise BadPeriod(f"期间格式应为 {want} (period must look like {want}, got {text!r})", field="period", rule="pattern")


def span_of(deps: Deps, month: str | None, quarter: str | None, start: date | None, end: date | None) -> Span:
    given = [x for x in (month, quarter, start or end) if x]
    if len(given) > 1:
        raise BadPeriod("month、quarter、start/end 只能选一种 (give one of month, quarter or start/end)",
                        field="period", rule="exclusive")
    if month:
        return Span.of(_period(month, PeriodKind.month))
    if quarter:
        return Span.of(_period(quarter, PeriodKind.quarter))
    first = start or end
    if first:
        last = end or first
        if first > last or (last - first).days > 3 * 366:
            raise BadPeriod("起止日期无效或超过三年 (start must precede end, within three years)",
                            field="start", rule="range")
        return Span(first, last, f"{first.isoformat()}..{last.isoformat()}")
    return Span.of(Period.containing(queries.today(deps), PeriodKind.month))


MonthQ = Annotated[str | None, Query(description="月份 YYYY-MM")]
QuarterQ = Annotated[str | None, Query(description="季度 YYYY-Qn")]
StartQ = Annotated[IsoDay | None, Query(description="起始日期（含）, YYYY-MM-DD")]
EndQ = Annotated[IsoDay | None, Query(description="截止日期（含）, YYYY-MM-DD")]

router = APIRouter(prefix="/api")
#: One server-sent event of `/api/stream` (OpenAPI 3.2's way of describing a stream's items).
_SSE_EVENT: dict[str, Any] = {"type": "object", "properties": {
    "event": {"type": "string", "enum": ["dashboard"]}, "id": {"type": "string"},
    "retry": {"type": "integer"}, "data": {"type": "string", "contentMediaType": "application/json"}}}


@router.get("/definitions", tags=["figures"], summary="指标口径 (Figure definitions)")
async def definitions(who: Reader) -> list[dict[str, Any]]:
    return queries.definitions()


@router.get("/figures", tags=["figures"], summary="全部指标 (Every figure of a scope and period)")
async def all_figures(deps: DepsDep, who: Reader, township: TownshipQ = None, month: MonthQ = None,
                      quarter: QuarterQ = None, start: StartQ = None, end: EndQ = None,
                      by_township: bool = False) -> dict[str, Any]:
    return await queries.figures(deps, span_of(deps, month, quarter, start, end), scope(who, township),
                                 by_township=by_township)


@router.get("/figures/{key}", tags=["figures"], summary="单项指标，分乡镇 (One figure, county and by township)")
async def one_figure(key: str, deps: DepsDep, who: Reader, township: TownshipQ = None, month: MonthQ = None,
                     quarter: QuarterQ = None, start: StartQ = None, end: EndQ = None) -> dict[str, Any]:
    if key not in fg.BY_KEY:
        raise NotFound(f"没有这个指标 (unknown figure {key!r})", field="key", rule="enum")
    return await queries.figures(deps, span_of(deps, month, quarter, start, end), scope(who, township),
                                 by_township=True, only=key)


@router.get("/trend", tags=["figures"], summary="近N日趋势 (Daily trend: petitions, hazards, requests)")
async def trend(deps: DepsDep, who: Reader, township: TownshipQ = None, end: EndQ = None,
                days: Annotated[int, Query(ge=1, le=366)] = 30) -> dict[str, Any]:
    return await queries.trend(deps, end or queries.today(deps), days, scope(who, township))


@router.get("/rankings/config", tags=["rankings"], summary="排名计分规则 (The ranking formula in use)")
async def ranking_config(deps: DepsDep, who: Reader) -> dict[str, Any]:
    return queries.ranking_config_json(deps)


@router.get("/rankings/monthly/{month}", tags=["rankings"], summary="一月一排名 (Monthly township ranking)")
async def monthly(month: str, deps: DepsDep, who: Reader) -> dict[str, Any]:
    return queries.ranking_json(deps, *await queries.ranking(deps, _period(month, PeriodKind.month)))


@router.get("/rankings/quarterly/{quarter}", tags=["rankings"], summary="一季一考核 (Quarterly assessment)")
async def quarterly(quarter: str, deps: DepsDep, who: Reader) -> dict[str, Any]:
    return queries.ranking_json(deps, *await queries.ranking(deps, _period(quarter, PeriodKind.quarter)))


@router.get("/open/{name}", tags=["lists"], summary="当前清单：超期、在办、挂牌督办、停产 (Open lists, now)")
async def open_list(name: Annotated[str, Path(pattern="^(" + "|".join(queries.OPEN_LISTS) + ")$")], deps: DepsDep,
                    who: Reader, township: TownshipQ = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    rows = await queries.open_list(deps, name, scope(who, township), limit)
    return {"list": name, "zh": queries.OPEN_LISTS[name][1], "items": rows}


@router.get("/overdue/{what}", tags=["lists"], summary="超期清单 (Overdue petitions or hazards, now)")
async def overdue(what: Annotated[str, Path(pattern="^(petitions|hazards)$")], deps: DepsDep, who: Reader,
                  township: TownshipQ = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    name = f"{what}_overdue"
    return {"list": name, "zh": queries.OPEN_LISTS[name][1],
            "items": await queries.open_list(deps, name, scope(who, township), limit)}


@router.get("/exports/{kind}/{file}", tags=["exports"], summary="月报/季报导出 (Report as .xlsx or .csv)",
            response_class=Response)
async def export(kind: Annotated[str, Path(pattern="^(month|quarter)$")],
                 file: Annotated[str, Path(pattern=r"^\d{4}-(\d{2}|Q[1-4])\.(xlsx|csv)$")],
                 deps: DepsDep, who: Reader, township: TownshipQ = None) -> Response:
    label, _, fmt = file.rpartition(".")
    period = _period(label, PeriodKind(kind))
    report = await exports.build_report(deps, period, scope(who, township))
    name = f"minqing-{kind}-{label}.{fmt}"
    if fmt == "xlsx":
        return Response(spreadsheets.to_xlsx(report), headers={"Content-Disposition": f'attachment; filename="{name}"'},
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(spreadsheets.to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _dashboard_scope(who: Principal | None, township: str | None) -> tuple[str | None, str | None]:
    chosen = scope(who, township)
    visible = chosen if who is not None and not who.county_wide else None
    return chosen, visible


@router.get("/dashboard", tags=["dashboard"], summary="驾驶舱数据 (The dashboard's JSON)")
async def dashboard(deps: DepsDep, who: DashboardReader, township: TownshipQ = None) -> dict[str, Any]:
    chosen, visible = _dashboard_scope(who, township)
    return await queries.dashboard(deps, chosen, townships_visible=visible)


@router.get("/stream", tags=["dashboard"], summary="驾驶舱实时推送 (Server-sent events: `dashboard` on change)",
            response_class=StreamingResponse,
            responses={200: {"description": "事件流：`dashboard` 事件的 data 为驾驶舱 JSON (event stream)",
                             "content": {"text/event-stream": {"schema": _SSE_EVENT}}}})
async def stream(request: Request, deps: DepsDep, who: DashboardReader, township: TownshipQ = None) -> StreamingResponse:
    chosen, visible = _dashboard_scope(who, township)
    settings = deps.settings

    async def events() -> AsyncIterator[str]:
        last_version: int | None = None
        loop = asyncio.get_running_loop()
        last_sent = loop.time()
        yield "retry: 3000\n\n"
        while not await request.is_disconnected():
            current = await queries.version(deps)
            if current != last_version:
                body = await queries.dashboard(deps, chosen, townships_visible=visible)
                last_version = current
                last_sent = loop.time()
                yield f"event: dashboard\nid: {current}\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"
            elif loop.time() - last_sent >= settings.reporting_stream_ping_seconds:
                last_sent = loop.time()
                yield ": ping\n\n"
            await asyncio.sleep(settings.reporting_stream_poll_seconds)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def create_reporting_app(*, settings: ReportingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The reporting app; `clock` lets tests fix "today" (default: the system clock)."""
    conf = settings or ReportingSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        current = settings or ReportingSettings()
        async with ServiceRuntime.open(current, migrations=[("reporting", MIGRATIONS)], run_relay=False) as rt:
            app.state.runtime = rt
            app.state.tokens = rt.tokens
            app.state.ready_checks = rt.ready_checks()
            app.state.deps = bootstrap(rt.pool, current, clock)
            # Latency: the objects alive after start-up (modules, the app and its schemas: ~100k) leave the
            # collector's view, so an occasional full collection walks what requests allocate, not them too
            # (measured: 50–85 ms pauses every couple of hundred dashboard requests, the p99 of the API).
            gc.collect()
            gc.freeze()
            try:
                yield
            finally:
                gc.unfreeze()

    app = create_app_with_routes(lifespan)
    echarts = conf.reporting_echarts_file

    @app.get("/dashboard/vendor/echarts.min.js", include_in_schema=False)
    async def echarts_js() -> FileResponse:
        # Served from the npm package: county intranets have no internet, so no CDN.
        return FileResponse(echarts, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/dashboard", include_in_schema=False)
    async def dashboard_root(request: Request) -> RedirectResponse:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/dashboard/{query}")

    conf.reporting_dashboard_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/dashboard", StaticFiles(directory=conf.reporting_dashboard_dir, html=True), name="dashboard")
    return app


def create_app_with_routes(lifespan: Any) -> FastAPI:
    app = create_app(service="reporting", title="民情 全县报表服务 (Minqing reporting service)", tokens=None,
                     lifespan=lifespan,
                     description="全县驾驶舱、各项指标、乡镇排名与考核、超期清单、月报季报导出。"
                                 " County dashboard, figures, township rankings, overdue lists, report exports.")
    app.include_router(router)
    return app


app = create_reporting_app()
