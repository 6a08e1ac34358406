"""The wired service every `bootstrap()` returns, and the FastAPI dependencies every API shares.

    service = Service(bus=MessageBus(uow_factory, HANDLERS, by_name(deps)), deps=deps)
    app.state.deps = service                       # in the lifespan

Routes take the bus (commands), the deps (reads) and the actor from these dependencies; a service's
`entrypoints/deps.py` only names them with its own types.
"""

# No `from __future__ import annotations`: FastAPI must see `writer`'s inner annotation as an object
# (a string naming the closure's `roles` could not be resolved from the module's globals).
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request

from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from minqing_kit.bus import MessageBus
from minqing_kit.http import CurrentPrincipal, require_roles
from minqing_kit.uow import ServiceUnitOfWork

U = TypeVar("U", bound=ServiceUnitOfWork)
D = TypeVar("D")


@dataclass
class Service(Generic[U, D]):
    """The wired service: the bus for commands, the deps for reads and timers."""

    bus: MessageBus[U]
    deps: D

    def uow(self) -> U:
        return self.bus.uow()


def by_name(deps: Any) -> dict[str, Any]:
    """A deps dataclass as the bus binds it: field name → value."""
    return {f.name: getattr(deps, f.name) for f in fields(deps)}


# ----- FastAPI --------------------------------------------------------------------------------------
async def wired(request: Request) -> Any:
    """The app's wired service (`app.state.deps`, set in the lifespan from `bootstrap()`). The
    dependencies here are `async def`: FastAPI runs a plain `def` one in its thread pool, a thread hop
    per request (measured: the largest single cost of a registration's edge under load)."""
    return request.app.state.deps


async def reader(principal: CurrentPrincipal) -> Actor:
    return Actor.person(principal)


def writer(*roles: Role) -> Callable[..., Awaitable[Actor]]:
    """A dependency: the signed-in person, refused (403) unless their role is one of `roles`."""
    async def dependency(principal: Annotated[Principal, Depends(require_roles(*roles))]) -> Actor:
        return Actor.person(principal)
    return dependency


Reader = Annotated[Actor, Depends(reader)]
