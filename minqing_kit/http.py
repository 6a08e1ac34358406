"""FastAPI app factory shared by every service: health, readiness, metrics, auth, and error mapping.

One place turns failures into responses, so every service answers alike:
  - request validation (pydantic)  → 422, each error naming the field and the rule, in Chinese + English
  - `DomainError` subclasses         → their status (404/403/409/422), body from `to_dict()`
  - `Unauthorized`                   → 401 with `WWW-Authenticate: Bearer`
  - database unavailable (`minqing_kit.db.is_db_unavailable`: dropped connection, server down,
    pool exhausted...)                → 503 with `Retry-After`, never a plain-text 500
Bodies: {"error": {"code", "message", "field", "rule", "errors": [...]}}.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from minqing_kit import metrics
from minqing_kit.auth import Principal, Role, TokenService, Unauthorized
from minqing_kit.db import DB_UNAVAILABLE, is_db_unavailable
from minqing_kit.errors import DomainError

log = logging.getLogger(__name__)

ReadyCheck = Callable[[], Awaitable[None]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

# What an operator reads for the most common pydantic rules.
_RULE_ZH = {
    "missing": "必填",
    "string_too_short": "长度不足",
    "string_too_long": "长度超限",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "数量不足",
    "too_long": "数量超过上限",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "uuid_parsing": "应为UUID",
    "datetime_parsing": "应为日期时间",
    "datetime_from_date_parsing": "应为日期时间",
    "date_from_datetime_parsing": "应为日期",
    "timezone_aware": "须带时区",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "JSON格式错误",
    "value_error": "不符合规则",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts)


def validation_body(exc: RequestValidationError) -> dict[str, Any]:
    errors = []
    for err in exc.errors():
        field = _field_path(tuple(err.get("loc", ())))
        rule = str(err.get("type", "invalid"))
        zh = _RULE_ZH.get(rule, "不符合规则")
        detail = str(err.get("msg", ""))
        errors.append({"field": field, "rule": rule, "message": f"字段 {field} {zh} ({detail})"})
    first = errors[0] if errors else {"field": None, "rule": "invalid", "message": "请求无效 (invalid request)"}
    return {"error": {"code": "invalid_input", "message": first["message"], "field": first["field"],
                      "rule": first["rule"], "errors": errors}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(exc), status_code=422)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        # 429/423 and the like say when to come back (`retry_after`, seconds, on the error).
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else None
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
        return JSONResponse({"error": {"code": "unauthorized", "message": exc.message}}, status_code=401,
                            headers={"WWW-Authenticate": 'Bearer realm="minqing"'})

    install_unavailable_handler(app)


RETRY_AFTER_S = 5
UNAVAILABLE_BODY = {"error": {"code": "service_unavailable", "rule": "database_unavailable",
                              "message": "数据库暂时不可用，请稍后重试 (database temporarily unavailable; retry later)"}}


def install_unavailable_handler(app: FastAPI) -> None:
    """Database unreachable → 503 + Retry-After with the usual JSON body; the request can be retried
    as is (nothing was committed). Other errors of the same classes (e.g. a local file error) re-raise."""

    async def _unavailable(request: Request, exc: Exception) -> Response:
        if not is_db_unavailable(exc):
            # e.g. asyncpg's DataError is an InterfaceError and a ValueError: hand it to the next
            # handler in its class hierarchy (another part of the kit may map it to 4xx), else 500
            for cls in type(exc).__mro__:
                handler = request.app.exception_handlers.get(cls)
                if handler is not None and handler is not _unavailable:
                    result = handler(request, exc)
                    return await result if inspect.isawaitable(result) else result  # type: ignore[no-any-return]
            raise exc
        log.warning("database unavailable", extra={"path": request.url.path, "error": repr(exc)[:300]})
        return JSONResponse(UNAVAILABLE_BODY, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})

    for exc_class in DB_UNAVAILABLE:
        app.add_exception_handler(exc_class, _unavailable)


def install_metrics_middleware(app: FastAPI, service: str) -> None:
    @app.middleware("http")
    async def _observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            metrics.HTTP_REQUESTS.labels(service=service, method=request.method, route=template,
                                         status=str(status)).inc()
            metrics.HTTP_LATENCY.labels(service=service, method=request.method,
                                        route=template).observe(time.perf_counter() - start)


def create_app(*, service: str, title: str, tokens: TokenService | None, lifespan: Lifespan | None = None,
               description: str = "", version: str = "1.0.0") -> FastAPI:
    """Build a service's app. `lifespan` opens the service's resources (pool, relay...) and may register
    readiness checks in `app.state.ready_checks`."""

    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ready_checks = []
        if lifespan is None:
            yield
        else:
            async with lifespan(app):
                yield

    app = FastAPI(title=title, description=description, version=version, lifespan=_lifespan)
    app.state.service = service
    app.state.tokens = tokens
    app.state.ready_checks = []
    install_error_handlers(app)
    install_metrics_middleware(app, service)

    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers and its background loops live")
    async def healthz(request: Request) -> JSONResponse:
        # The runtime (if the lifespan set one) reports its supervised loops: dead or stuck → 503, and
        # the liveness probe restarts the process. Never touches the database (that is readiness).
        runtime = getattr(request.app.state, "runtime", None)
        liveness = getattr(runtime, "liveness", None)
        if liveness is None:
            return JSONResponse({"status": "ok", "service": service})
        live = liveness()
        body = {"status": "ok" if live.ok else "dead", "service": service, "loops": live.loops}
        return JSONResponse(body, status_code=200 if live.ok else 503)

    @app.get("/readyz", tags=["ops"], summary="Readiness: database and Kafka reachable")
    async def readyz(request: Request) -> JSONResponse:
        checks: list[tuple[str, ReadyCheck]] = request.app.state.ready_checks
        failures = {}
        for name, check in checks:
            try:
                await asyncio.wait_for(check(), timeout=3.0)
            except Exception as exc:  # readiness reports any failure, it must not raise
                failures[name] = repr(exc)[:300]
        body = {"status": "ready" if not failures else "not ready", "service": service,
                "checks": {name: failures.get(name, "ok") for name, _ in checks}}
        return JSONResponse(body, status_code=200 if not failures else 503)

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def postgres_check(pool: Any) -> ReadyCheck:
    async def check() -> None:
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
    return check


def kafka_check(bootstrap: str) -> ReadyCheck:
    """Reachable broker: fetch cluster metadata (cached for a few seconds)."""
    state: dict[str, float] = {"ok_until": 0.0}

    async def check() -> None:
        if time.monotonic() < state["ok_until"]:
            return
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2500)
        await admin.start()
        try:
            await admin.describe_cluster()
        finally:
            await admin.close()
        state["ok_until"] = time.monotonic() + 5.0
    return check


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("缺少登录凭证，请在 Authorization 头中提供 Bearer 令牌 (missing bearer token)")
    return token.strip()


async def current_principal(request: Request) -> Principal:
    tokens: TokenService | None = request.app.state.tokens
    if tokens is None:
        raise RuntimeError("this app was created without a TokenService")
    return tokens.verify(_bearer(request))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the caller must hold one of `roles` (403 otherwise)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.ensure_role(*roles)
        return principal
    return dependency
