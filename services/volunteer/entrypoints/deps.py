"""FastAPI dependencies of the volunteer API: the wired service (bus and read-side deps), the actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from minqing_contract.bounds import PageNumber
from minqing_kit.actor import Actor
from minqing_kit.auth import Role
from minqing_kit.bus import MessageBus
from minqing_kit.service import Reader, wired, writer
from services.volunteer.adapters.unit_of_work import VolunteerUnitOfWork
from services.volunteer.bootstrap import Deps, Service

__all__ = ["Bus", "Deps", "DepsDep", "Page", "PageSize", "Reader", "Service", "ServiceDep", "Writer"]

WRITERS = (Role.COUNTY_ADMIN, Role.TOWNSHIP_OPERATOR)

ServiceDep = Annotated[Service, Depends(wired)]


async def get_deps(service: ServiceDep) -> Deps:
    return service.deps


async def get_bus(service: ServiceDep) -> MessageBus[VolunteerUnitOfWork]:
    return service.bus


DepsDep = Annotated[Deps, Depends(get_deps)]
Bus = Annotated[MessageBus[VolunteerUnitOfWork], Depends(get_bus)]
Writer = Annotated[Actor, Depends(writer(*WRITERS))]
Page = Annotated[PageNumber, Query(description="页码 (page, from 1)")]
PageSize = Annotated[int, Query(ge=1, le=100, description="每页条数 (page size)")]
