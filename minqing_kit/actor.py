"""Who acts: the one actor type every handler receives.

A person is the verified token's `Principal` (from `minqing_kit.auth`, unchanged); a worker, timer or
consumer acts as the service itself (`Actor.system(...)`, no principal, no scope limit). Handlers check
scope through the actor, never through the principal directly, so one signature serves both.
"""

from __future__ import annotations

from dataclasses import dataclass

from minqing_kit.auth import Principal
from minqing_kit.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    name: str  # the audit name: the principal's subject, or "system:<service>-<worker>"
    principal: Principal | None = None

    @classmethod
    def person(cls, principal: Principal) -> Actor:
        return cls(principal.subject, principal)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(f"system:{name}" if not name.startswith("system:") else name)

    @property
    def is_system(self) -> bool:
        return self.principal is None

    def signed_in(self) -> Principal:
        """The person behind this actor; a system actor has none (a wiring error, not a user's)."""
        if self.principal is None:
            raise RuntimeError(f"{self.name} is the service itself, not a signed-in person")
        return self.principal

    def ensure_covers(self, division_code: str) -> None:
        """403 unless `division_code` is in this person's scope; the service itself covers everything."""
        if self.principal is None:
            return
        if division_code.endswith("000000") and not self.principal.county_wide:
            raise Forbidden(f"县级数据仅限县级账号 (county-level {division_code} is outside your scope)",
                            field="township", rule="scope")
        self.principal.ensure_covers(division_code)

    def list_scope(self, township: str | None) -> str | None:
        """`Principal.list_scope`, with this actor's own check of an asked-for township."""
        principal = self.signed_in()
        if township is not None:
            self.ensure_covers(township)
        return principal.list_scope(township)
