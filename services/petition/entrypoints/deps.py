"""FastAPI dependencies of the petition API: the wired service (bus and read-side deps)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from minqing_kit.service import wired

from ..bootstrap import Service

__all__ = ["Service", "ServiceDep"]

ServiceDep = Annotated[Service, Depends(wired)]
