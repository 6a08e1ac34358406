"""FastAPI dependencies of the safety API: the wired service (bus and read-side deps), the actor, paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from minqing_contract.bounds import PageNumber
from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from minqing_kit.bus import MessageBus
from minqing_kit.http import CurrentPrincipal, require_roles
from services.safety.adapters.unit_of_work import SafetyUnitOfWork
from services.safety.bootstrap import Deps, Service

WRITERS = (Role.COUNTY_ADMIN, Role.TOWNSHIP_OPERATOR)


def get_service(request: Request) -> Service:
    service: Service = request.app.state.deps  # the wired service (bootstrap's result)
    return service


def get_deps(service: Annotated[Service, Depends(get_service)]) -> Deps:
    return service.deps


def get_bus(service: Annotated[Service, Depends(get_service)]) -> MessageBus[SafetyUnitOfWork]:
    return service.bus


def writer_actor(principal: Annotated[Principal, Depends(require_roles(*WRITERS))]) -> Actor:
    return Actor.person(principal)


def reader_actor(principal: CurrentPrincipal) -> Actor:
    return Actor.person(principal)


DepsDep = Annotated[Deps, Depends(get_deps)]
Bus = Annotated[MessageBus[SafetyUnitOfWork], Depends(get_bus)]
Writer = Annotated[Actor, Depends(writer_actor)]
Reader = Annotated[Actor, Depends(reader_actor)]
Page = Annotated[PageNumber, Query(description="页码 (page, from 1)")]
PageSize = Annotated[int, Query(ge=1, le=100, description="每页条数 (page size)")]
TownshipQ = Annotated[str | None, Query(pattern=r"^\d{12}$", description="乡镇区划代码 (township code)")]
