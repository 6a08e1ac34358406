"""FastAPI dependencies of the identity API: the wired service (bus and deps), the caller as an actor
(also with the token handed out while a password change is due)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from minqing_contract.bounds import PageNumber
from minqing_kit.actor import Actor
from minqing_kit.auth import Role, Unauthorized
from minqing_kit.bus import MessageBus
from minqing_kit.http import ACCESS_COOKIE, _bearer, check_csrf, current_principal
from minqing_kit.service import Reader, wired, writer
from services.identity.adapters.unit_of_work import IdentityUnitOfWork
from services.identity.bootstrap import Deps, Service

__all__ = ["Bus", "Caller", "CallerOrPending", "CountyAdmin", "Deps", "DepsDep", "Page", "PageSize", "Service",
           "ServiceDep"]

ServiceDep = Annotated[Service, Depends(wired)]


async def get_deps(service: ServiceDep) -> Deps:
    return service.deps


async def get_bus(service: ServiceDep) -> MessageBus[IdentityUnitOfWork]:
    return service.bus


DepsDep = Annotated[Deps, Depends(get_deps)]
Bus = Annotated[MessageBus[IdentityUnitOfWork], Depends(get_bus)]


async def actor_or_pending(request: Request, deps: DepsDep) -> Actor:
    """The caller, accepting also the token handed out while a password change is due (its issuer is
    refused by every other service)."""
    try:
        return Actor.person(await current_principal(request))
    except Unauthorized:
        token = _bearer(request) or request.cookies.get(ACCESS_COOKIE)
        if not token:
            raise
        principal = deps.change_verifier.verify(token)
        if _bearer(request) is None:
            check_csrf(request)
        return Actor.person(principal)


Caller = Reader
CallerOrPending = Annotated[Actor, Depends(actor_or_pending)]
CountyAdmin = Annotated[Actor, Depends(writer(Role.COUNTY_ADMIN))]
Page = Annotated[PageNumber, Query(description="页码 (page, from 1)")]
PageSize = Annotated[int, Query(ge=1, le=100, description="每页条数 (page size)")]
