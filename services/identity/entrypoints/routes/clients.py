"""Machine clients (a department's system): OAuth 2.0 client credentials (RFC 6749 §4.4)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request

from minqing_kit.auth import Unauthorized
from minqing_kit.errors import InvalidInput
from services.identity.entrypoints.deps import Bus, CountyAdmin, ServiceDep
from services.identity.entrypoints.schemas import ClientIn
from services.identity.service_layer import commands as c
from services.identity.service_layer import queries

router = APIRouter(tags=["机器客户端 machine clients"])


@router.post("/clients", status_code=201, summary="新建客户端 Register a machine client (its secret shown once)")
async def create_client(body: ClientIn, bus: Bus, actor: CountyAdmin) -> dict[str, Any]:
    client_uuid, secret = await bus.handle(c.CreateClient(
        client_id=body.client_id, display_name=body.display_name, role=body.role, township=body.township,
        department=body.department), actor)
    return {"id": client_uuid, "client_id": body.client_id, "client_secret": secret}


@router.get("/clients", summary="客户端列表 List machine clients")
async def list_clients(service: ServiceDep, actor: CountyAdmin) -> dict[str, Any]:
    return {"items": await queries.list_clients(service.uow())}


@router.post("/oauth/token", summary="客户端令牌 Token for a machine client (grant_type=client_credentials)",
             openapi_extra={"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                 "type": "object", "required": ["grant_type"], "properties": {
                     "grant_type": {"type": "string", "enum": ["client_credentials"]},
                     "client_id": {"type": "string"}, "client_secret": {"type": "string"}}}}}}})
async def token(request: Request, bus: Bus) -> dict[str, Any]:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    if form.get("grant_type") != "client_credentials":
        raise InvalidInput("grant_type 须为 client_credentials (unsupported_grant_type)", field="grant_type",
                           rule="client_credentials")
    client_id, secret = form.get("client_id"), form.get("client_secret")
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":  # RFC 6749 §2.3.1: HTTP Basic is the form every client must support
        try:
            client_id, _, secret = base64.b64decode(value).decode().partition(":")
        except ValueError:
            raise Unauthorized("客户端凭证无效 (invalid_client)") from None
    if not client_id or not secret:
        raise Unauthorized("缺少客户端凭证 (invalid_client: client_id and client_secret needed)")
    access, expires_in = await bus.handle(c.ClientToken(client_id, secret), c.PUBLIC)
    return {"access_token": access, "token_type": "Bearer", "expires_in": expires_in}
