"""The public keys tokens are verified with (JWKS, RFC 7517): what every service's MINQING_JWT_PUBLIC_KEYS holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.identity.entrypoints.deps import DepsDep

router = APIRouter(tags=["密钥 keys"])


@router.get("/.well-known/jwks.json", summary="JWKS: public keys of the token signature (EdDSA, by kid)")
async def jwks(deps: DepsDep) -> dict[str, Any]:
    return deps.public_keys.jwks()
