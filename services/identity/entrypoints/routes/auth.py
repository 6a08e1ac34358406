"""Sign-in for staff (`/auth/...`): password sign-in, refresh rotation, sign-out, the caller, password change.

Browsers get the session as cookies — `mq_access` (HttpOnly, Path=/: every service reads it),
`mq_refresh` (HttpOnly, Path=/identity/auth: only this API sees it) and `mq_csrf` (readable by the
page, which echoes it in `X-CSRF-Token` on every POST/PUT/PATCH/DELETE) — all SameSite=Strict and
Secure unless `MINQING_COOKIE_SECURE=false` (http://127.0.0.1 only). API clients use the body's
`access_token` as `Authorization: Bearer`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from minqing_kit.actor import Actor
from minqing_kit.auth import Unauthorized
from minqing_kit.http import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER, _bearer, check_csrf
from services.identity.entrypoints.deps import Bus, CallerOrPending, DepsDep, Service, ServiceDep
from services.identity.entrypoints.schemas import AccountOut, LoginIn, PasswordIn, RefreshIn, SessionOut
from services.identity.service_layer import commands as c
from services.identity.service_layer import queries

router = APIRouter(prefix="/auth", tags=["登录 sign-in"])
REFRESH_COOKIE = "mq_refresh"


def _set_session(request: Request, response: Response, session: c.Session) -> SessionOut:
    cfg = request.app.state.cookies
    response.set_cookie(ACCESS_COOKIE, session.access_token, max_age=session.expires_in, path="/", httponly=True,
                        secure=cfg.secure, samesite="strict")
    if session.refresh_token is not None:
        service: Service = request.app.state.deps
        refresh_age = int(service.deps.refresh_ttl.total_seconds())
        response.set_cookie(REFRESH_COOKIE, session.refresh_token, max_age=refresh_age, path=cfg.refresh_path,
                            httponly=True, secure=cfg.secure, samesite="strict")
        response.set_cookie(CSRF_COOKIE, session.csrf_token, max_age=refresh_age, path="/", httponly=False,
                            secure=cfg.secure, samesite="strict")
    else:  # a password change is due: the page still needs the CSRF token to post the new password
        response.set_cookie(CSRF_COOKIE, session.csrf_token, max_age=session.expires_in, path="/", httponly=False,
                            secure=cfg.secure, samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return SessionOut(access_token=session.access_token, expires_in=session.expires_in,
                      account=AccountOut.of(session.account))


def _clear_session(request: Request, response: Response) -> None:
    cfg = request.app.state.cookies
    for name, path in ((ACCESS_COOKIE, "/"), (CSRF_COOKIE, "/"), (REFRESH_COOKIE, cfg.refresh_path)):
        response.delete_cookie(name, path=path, secure=cfg.secure, httponly=name != CSRF_COOKIE, samesite="strict")


@router.post("/login", summary="登录 Sign in with username and password",
             responses={423: {"description": "账号已锁定 (locked; Retry-After)"}})
async def login(body: LoginIn, request: Request, response: Response, bus: Bus) -> SessionOut:
    session = await bus.handle(c.Login(body.username, body.password), c.PUBLIC)
    return _set_session(request, response, session)


@router.post("/refresh", summary="刷新 New access token from the refresh token (rotated; reuse revokes the session)")
async def refresh(request: Request, response: Response, bus: Bus, body: RefreshIn | None = None) -> SessionOut:
    token = body.refresh_token if body is not None and body.refresh_token else None
    if token is None:
        token = request.cookies.get(REFRESH_COOKIE)
        if not token:
            raise Unauthorized("缺少刷新令牌，请重新登录 (missing refresh token)")
        check_csrf(request)  # cookie-authenticated: the page must echo mq_csrf
    session = await bus.handle(c.Refresh(token), c.PUBLIC)
    return _set_session(request, response, session)


@router.post("/logout", status_code=204, summary="退出 Sign out: revoke the session, clear the cookies")
async def logout(request: Request, deps: DepsDep, bus: Bus) -> Response:
    token = request.cookies.get(REFRESH_COOKIE)
    if token and _bearer(request) is None:
        check_csrf(request)
    actor = c.PUBLIC
    access = _bearer(request) or request.cookies.get(ACCESS_COOKIE)
    if access:
        try:
            actor = Actor.person(deps.verifier.verify(access))
        except Unauthorized:
            actor = c.PUBLIC
    await bus.handle(c.Logout(token), actor)
    response = Response(status_code=204)
    _clear_session(request, response)
    return response


@router.get("/me", summary="当前账号 The signed-in account")
async def me(actor: CallerOrPending, service: ServiceDep) -> AccountOut:
    return AccountOut.of(await queries.me(service.uow(), actor))


@router.post("/password", summary="修改密码 Change one's password (also the forced first change)")
async def change_password(body: PasswordIn, actor: CallerOrPending, request: Request, response: Response,
                          bus: Bus) -> SessionOut:
    session = await bus.handle(c.ChangePassword(body.current_password, body.new_password), actor)
    return _set_session(request, response, session)


__all__ = ["CSRF_HEADER", "router"]
