"""FastAPI dependencies of the volunteer API: the wired handlers' deps, the acting principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from minqing_contract.bounds import PageNumber
from minqing_kit.auth import Principal, Role
from minqing_kit.http import CurrentPrincipal, require_roles
from services.volunteer.bootstrap import Deps
from services.volunteer.service_layer.commands import Actor

WRITERS = (Role.COUNTY_ADMIN, Role.TOWNSHIP_OPERATOR)


def get_deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


def writer_actor(principal: Annotated[Principal, Depends(require_roles(*WRITERS))]) -> Actor:
    return Actor(principal.subject, principal)


def reader_actor(principal: CurrentPrincipal) -> Actor:
    return Actor(principal.subject, principal)


DepsDep = Annotated[Deps, Depends(get_deps)]
Writer = Annotated[Actor, Depends(writer_actor)]
Reader = Annotated[Actor, Depends(reader_actor)]
Page = Annotated[PageNumber, Query(description="页码 (page, from 1)")]
PageSize = Annotated[int, Query(ge=1, le=100, description="每页条数 (page size)")]
