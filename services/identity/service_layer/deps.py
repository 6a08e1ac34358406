"""What the identity handlers need, declared below them; `bootstrap.py` (the top layer) builds it.

Handlers receive these by name (keyword-only parameters bound by the bus); the routes' reads go
through `service_layer/queries.py` on a unit of work of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from minqing_contract.divisions import County, load_county
from minqing_kit.auth import KeySet, TokenSigner, TokenVerifier
from minqing_kit.clock import Clock
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.service import Service as KitService
from services.identity.adapters.unit_of_work import IdentityUnitOfWork

#: Issuer of the token handed out while a password change is due: services check `iss` and refuse it;
#: only this service's /auth/password and /auth/me accept it.
PASSWORD_CHANGE_ISSUER_SUFFIX = "-password-change"


@dataclass
class Deps:
    clock: Clock
    signer: TokenSigner
    #: Public keys published at /.well-known/jwks.json: the signer's plus any still accepted (rotation).
    public_keys: KeySet
    pseudonym: Pseudonymizer
    county_code: str
    access_ttl: timedelta
    refresh_ttl: timedelta
    client_ttl: timedelta
    #: Townships (read-only) and the baseline villages and departments of the division file.
    county: County = field(default_factory=load_county)

    @property
    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.public_keys, self.signer.issuer)

    @property
    def change_verifier(self) -> TokenVerifier:
        return TokenVerifier(self.public_keys, self.signer.issuer + PASSWORD_CHANGE_ISSUER_SUFFIX)


#: The wired service: the bus for commands, the deps for reads and timers.
Service = KitService[IdentityUnitOfWork, Deps]
