"""The window's repeat hint (查重提示): open matters of the person being typed in at registration.

A resource of its own (not under /matters/{matter_id}), and a POST: the name, phone and ID number
being typed are personal data and stay out of URLs and access logs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from minqing_kit.http import CurrentPrincipal

from ...service_layer import queries
from .. import schemas as s
from ..deps import ServiceDep

router = APIRouter(tags=["petition 信访"])


@router.post("/repeat-hints",
             summary="登记时查重提示 / Open matters of the person being registered (the window's repeat hint)")
async def repeat_hint(body: s.RepeatHintIn, principal: CurrentPrincipal, d: ServiceDep) -> list[dict[str, Any]]:
    return await queries.repeat_hint(d.deps, principal, name=body.name, phone=body.phone,
                                     id_number=body.id_number, days=body.days)
