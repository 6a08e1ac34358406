"""FastAPI dependencies of the identity API: the wired deps, the caller (also a password-change token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from minqing_contract.bounds import PageNumber
from minqing_kit.auth import Principal, Role, Unauthorized
from minqing_kit.http import ACCESS_COOKIE, _bearer, check_csrf, current_principal, require_roles
from services.identity.bootstrap import Deps


def get_deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


DepsDep = Annotated[Deps, Depends(get_deps)]


async def principal_or_pending(request: Request, deps: DepsDep) -> Principal:
    """The caller, accepting also the token handed out while a password change is due (its issuer is
    refused by every other service)."""
    try:
        return await current_principal(request)
    except Unauthorized:
        token = _bearer(request) or request.cookies.get(ACCESS_COOKIE)
        if not token:
            raise
        principal = deps.change_verifier.verify(token)
        if _bearer(request) is None:
            check_csrf(request)
        return principal


Caller = Annotated[Principal, Depends(current_principal)]
CallerOrPending = Annotated[Principal, Depends(principal_or_pending)]
CountyAdmin = Annotated[Principal, Depends(require_roles(Role.COUNTY_ADMIN))]
Page = Annotated[PageNumber, Query(description="页码 (page, from 1)")]
PageSize = Annotated[int, Query(ge=1, le=100, description="每页条数 (page size)")]
