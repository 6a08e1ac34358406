"""Composition root of the identity service: the signing key, the public keys, the handlers' deps, the bus.

Called from the FastAPI lifespan and the worker's main, never at import time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from minqing_kit.auth import KeySet, TokenSigner
from minqing_kit.bus import MessageBus
from minqing_kit.clock import Clock, system_clock
from minqing_kit.runtime import ServiceRuntime
from minqing_kit.service import by_name
from services.identity.adapters.unit_of_work import IdentityUnitOfWork, PostgresIdentityUnitOfWork
from services.identity.service_layer.bus import HANDLERS
from services.identity.service_layer.deps import Deps, Service
from services.identity.settings import IdentitySettings

__all__ = ["MIGRATIONS", "Clock", "Deps", "Service", "bootstrap"]

MIGRATIONS = Path(__file__).resolve().parent / "adapters" / "migrations"


def bootstrap(rt: ServiceRuntime, settings: IdentitySettings, clock: Clock | None = None) -> Service:
    if settings.jwt_private_key_file is None:
        raise RuntimeError("MINQING_JWT_PRIVATE_KEY_FILE is not set: the identity service signs every token "
                           "(make a pair: python -m minqing_kit.auth keygen --out DIR)")
    signer = TokenSigner.from_file(settings.jwt_private_key_file, settings.jwt_issuer)
    # published: the signing key's public half, plus the keys still accepted during a rotation
    public = signer.key_set().merged(KeySet.from_setting(settings.jwt_public_keys))
    deps = Deps(clock=clock or system_clock, signer=signer, public_keys=public, pseudonym=rt.pseudonym,
                county_code=settings.county_code, access_ttl=timedelta(minutes=settings.access_minutes),
                refresh_ttl=timedelta(hours=settings.refresh_hours),
                client_ttl=timedelta(minutes=settings.client_token_minutes))

    def uow() -> IdentityUnitOfWork:
        return PostgresIdentityUnitOfWork(rt.source, pool=rt.pool)

    return Service(bus=MessageBus(uow, HANDLERS, by_name(deps)), deps=deps)
