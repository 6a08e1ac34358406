"""FastAPI dependencies of the petition API: the wired service (bus and read-side deps)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..bootstrap import Service


def get_service(request: Request) -> Service:
    service: Service = request.app.state.deps  # the wired service (bootstrap's result)
    return service


ServiceDep = Annotated[Service, Depends(get_service)]
