"""One handler signature for every service, and the bus that calls it.

    async def approve(cmd: ApproveRequest, uow: VolunteerUnitOfWork, actor: Actor, *, clock: Clock) -> Request

A handler takes the command, a fresh unit of work (not yet entered) and who acts; everything else it
needs is a keyword-only parameter bound by name in the service's `bootstrap.py` (cosmicpython's
dependency injection), so a unit test passes fakes the same way. A command names its result type
(`class ApproveRequest(Command[Request])`), so `await bus.handle(cmd, actor)` is typed end to end.
Errors propagate: the bus never swallows one (with Kafka that would drop a message silently).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

from minqing_kit.actor import Actor
from minqing_kit.uow import ServiceUnitOfWork

R = TypeVar("R", covariant=True)
U = TypeVar("U", bound=ServiceUnitOfWork)

Handler = Callable[..., Awaitable[Any]]


class Command(Generic[R]):
    """Base of a service's commands (frozen dataclasses); `R` is what the command's handler returns."""

    __slots__ = ()


def inject(handler: Handler, deps: Mapping[str, Any]) -> Handler:
    """Bind the handler's keyword-only parameters from `deps` by name; a missing one fails at bootstrap."""
    bound: dict[str, Any] = {}
    for name, param in inspect.signature(handler).parameters.items():
        if param.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        if name in deps:
            bound[name] = deps[name]
        elif param.default is inspect.Parameter.empty:
            raise TypeError(f"{handler.__qualname__} needs {name!r}, which bootstrap does not provide")
    return functools.partial(handler, **bound)


class MessageBus(Generic[U]):
    def __init__(self, uow: Callable[[], U], handlers: Mapping[type[Command[Any]], Handler],
                 deps: Mapping[str, Any]) -> None:
        self.uow = uow
        self.deps = dict(deps)
        self._handlers = {command: inject(handler, self.deps) for command, handler in handlers.items()}

    async def handle(self, cmd: Command[R], actor: Actor, *, uow: U | None = None) -> R:
        """Run the command's handler in a fresh unit of work (or `uow`, e.g. one joined to a consumer's)."""
        try:
            handler = self._handlers[type(cmd)]
        except KeyError:
            raise LookupError(f"no handler for command {type(cmd).__name__}") from None
        result: R = await handler(cmd, uow if uow is not None else self.uow(), actor)
        return result
