"""FastAPI app factory shared by every service: health, readiness, metrics, auth, and error mapping.

One place turns failures into responses, so every service answers alike:
  - request validation (pydantic)  → 422, each error naming the field and the rule, in Chinese + English
  - `DomainError` subclasses         → their status (404/403/409/422), body from `to_dict()`
  - `Unauthorized`                   → 401 with `WWW-Authenticate: Bearer`
  - database unavailable (`minqing_kit.db.is_db_unavailable`: dropped connection, server down,
    pool exhausted...)                → 503 with `Retry-After`, never a plain-text 500
  - a body over the cap (`max_body_bytes`, 1 MB by default) → 413, announced or chunked alike
  - Starlette's own HTTP errors (405 with every allowed method, 400 unreadable body) → same body
Bodies: {"error": {"code", "message", "field", "rule", "errors": [...]}}, declared in every
operation's OpenAPI responses (`ERROR_RESPONSES`).
"""

from __future__ import annotations

import asyncio
import hmac
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
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minqing_kit import metrics
from minqing_kit.auth import Principal, Role, TokenVerifier, Unauthorized
from minqing_kit.db import DB_UNAVAILABLE, is_db_unavailable
from minqing_kit.errors import DomainError, Forbidden
from minqing_kit.kafka_auth import KafkaConnection, client_options

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


#: Default cap on a request body (the setting `max_body_bytes` of a service overrides it).
DEFAULT_MAX_BODY_BYTES = 1_048_576


class FieldError(BaseModel):
    field: str | None = None
    rule: str
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    rule: str | None = None
    errors: list[FieldError] | None = None
    allowed_actions: list[str] | None = None


class ErrorBody(BaseModel):
    """Every 4xx/5xx body of every service."""

    error: ErrorDetail


_ERROR_STATUSES = {
    400: "请求无法解析 (unreadable request)", 401: "未登录或令牌无效 (missing or invalid token)",
    403: "无权操作 (role or township scope does not allow it)", 404: "不存在 (not found)",
    409: "与当前状态冲突 (conflicts with the current state)", 413: "请求体过大 (request body too large)",
    422: "输入不符合规则，指明字段与规则 (invalid input: field and rule named)",
    503: "依赖暂不可用，稍后重试 (a dependency is unavailable; retry later)",
}
#: The error answers any operation may give, for OpenAPI (`responses=` of the app).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _ERROR_STATUSES.items()}


def json_error_responses() -> dict[int | str, dict[str, Any]]:
    """`ERROR_RESPONSES` for a route whose success is not JSON (HTML, a file): its errors still are."""
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    return {status: {"description": text, "content": {"application/json": {"schema": ref}}}
            for status, text in _ERROR_STATUSES.items()}


class BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求体超过 {limit} 字节上限 (request body exceeds the {limit}-byte limit)")
        self.limit = limit


def _too_large_body(limit: int) -> dict[str, Any]:
    return {"error": {"code": "body_too_large", "field": "body", "rule": "max_bytes",
                      "message": f"请求体超过 {limit} 字节上限 (request body exceeds the {limit}-byte limit)"}}


class BodyLimitMiddleware:
    """413 for a body over the cap: refused up front when Content-Length says so, or as soon as the
    chunks read so far pass the cap (chunked bodies have no Content-Length). The cap is the app's
    `state.max_body_bytes` (set from settings at start-up) or the default."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = int(getattr(scope["app"].state, "max_body_bytes", DEFAULT_MAX_BODY_BYTES)) \
            if "app" in scope else DEFAULT_MAX_BODY_BYTES
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await JSONResponse(_too_large_body(limit), status_code=413)(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await JSONResponse(_too_large_body(limit), status_code=413)(scope, receive, send)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "\x00"})
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


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

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, BodyTooLarge):
            return JSONResponse(_too_large_body(exc.limit), status_code=413)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
            message = f"不支持的请求方法 (method not allowed; allowed: {headers['Allow']})"
            body = {"code": "method_not_allowed", "message": message, "field": "method", "rule": "allowed"}
        else:
            body = {"code": f"http_{exc.status_code}", "message": str(exc.detail)}
        return JSONResponse({"error": body}, status_code=exc.status_code, headers=headers)

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


class MetricsMiddleware:
    """Counts and times every request by route template and status (a plain ASGI middleware: the
    decorator form, Starlette's `BaseHTTPMiddleware`, runs each request through a task group and
    memory streams, a measurable cost per call)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            route = scope.get("route")  # set by the router on this same scope
            template = getattr(route, "path", None) or "<unmatched>"
            metrics.HTTP_REQUESTS.labels(service=self.service, method=scope["method"], route=template,
                                         status=str(status)).inc()
            metrics.HTTP_LATENCY.labels(service=self.service, method=scope["method"],
                                        route=template).observe(time.perf_counter() - start)


def install_metrics_middleware(app: FastAPI, service: str) -> None:
    app.add_middleware(MetricsMiddleware, service=service)


def create_app(*, service: str, title: str, tokens: TokenVerifier | None, lifespan: Lifespan | None = None,
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
                runtime = getattr(app.state, "runtime", None)
                if runtime is not None:
                    app.state.max_body_bytes = runtime.settings.max_body_bytes
                yield

    app = FastAPI(title=title, description=description, version=version, lifespan=_lifespan,
                  responses=ERROR_RESPONSES)
    app.state.service = service
    app.state.tokens = tokens
    app.state.ready_checks = []
    app.state.max_body_bytes = DEFAULT_MAX_BODY_BYTES
    install_error_handlers(app)
    # Inside the metrics middleware (so a 413 is counted, and a limit hit while reading the body is raised
    # straight into the route's body parsing, not through another middleware's task group).
    app.add_middleware(BodyLimitMiddleware)
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


def kafka_check(bootstrap: KafkaConnection | str) -> ReadyCheck:
    """Reachable broker: fetch cluster metadata (cached for a few seconds)."""
    state: dict[str, float] = {"ok_until": 0.0}

    async def check() -> None:
        if time.monotonic() < state["ok_until"]:
            return
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(**client_options(bootstrap), request_timeout_ms=2500)
        await admin.start()
        try:
            await admin.describe_cluster()
        finally:
            await admin.close()
        state["ok_until"] = time.monotonic() + 5.0
    return check


#: The browser session's cookies (set by the identity service at sign-in; the web client codes against
#: these names): the access token (HttpOnly), and the CSRF token the page echoes in `X-CSRF-Token`.
ACCESS_COOKIE = "mq_access"
CSRF_COOKIE = "mq_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("缺少登录凭证，请在 Authorization 头中提供 Bearer 令牌 (missing bearer token)")
    return token.strip()


def check_csrf(request: Request) -> None:
    """Double-submit: an unsafe request authenticated by cookie must echo the `mq_csrf` cookie in the
    `X-CSRF-Token` header. Another site can make the browser send the cookies, but cannot read them to
    set the header (SameSite=Strict already stops most of it; this holds where SameSite is not honoured)."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not header or not hmac.compare_digest(cookie.encode(), header.encode()):
        raise Forbidden(f"缺少或不匹配的 CSRF 令牌：使用登录 Cookie 的写操作须在 {CSRF_HEADER} 头中回传 {CSRF_COOKIE} "
                        f"(cookie-authenticated {request.method} needs header {CSRF_HEADER} equal to cookie "
                        f"{CSRF_COOKIE})", field=CSRF_HEADER, rule="csrf")


async def current_principal(request: Request) -> Principal:
    """The caller: `Authorization: Bearer` (API clients) when present, else the `mq_access` cookie
    (browsers; an unsafe method then also needs the CSRF header, checked once the token is valid so
    an expired session answers 401 and the page refreshes it)."""
    tokens: TokenVerifier | None = request.app.state.tokens
    if tokens is None:
        raise RuntimeError("this app was created without a TokenVerifier")
    token = _bearer(request)
    if token is not None:
        return tokens.verify(token)
    cookie = request.cookies.get(ACCESS_COOKIE)
    if not cookie:
        raise Unauthorized("缺少登录凭证，请登录或在 Authorization 头中提供 Bearer 令牌 "
                           "(missing bearer token or session cookie)")
    principal = tokens.verify(cookie)
    check_csrf(request)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the caller must hold one of `roles` (403 otherwise)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.ensure_role(*roles)
        return principal
    return dependency
