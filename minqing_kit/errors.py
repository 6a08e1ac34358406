"""Domain-level errors shared by every service; the HTTP edge maps them to status codes in one place.

Pure Python: domain modules raise these, `minqing_kit.http` turns them into 4xx responses whose
body names the field and the rule, in Chinese for the operator with English beside it.
"""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """Base of every expected, user-caused failure."""

    status_code = 400
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.rule is not None:
            body["rule"] = self.rule
        return body


class InvalidInput(DomainError):
    """A value breaks a business rule (checksum, range, count, window)."""

    status_code = 422
    code = "invalid_input"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller's role or township scope does not cover this resource."""

    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with current state (duplicate, overlap)."""

    status_code = 409
    code = "conflict"


class IllegalTransition(Conflict):
    """An action not allowed in the current state; lists what is allowed."""

    code = "illegal_transition"

    def __init__(self, entity: str, state: str, action: str, allowed: Iterable[str]) -> None:
        self.state = state
        self.action = action
        self.allowed = sorted(allowed)
        super().__init__(
            f"{entity} 当前状态「{state}」不允许操作「{action}」"
            f" (action '{action}' is not allowed in state '{state}'; allowed: {', '.join(self.allowed) or 'none'})",
            field="status",
            rule="state_machine",
        )

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body.update({"state": self.state, "action": self.action, "allowed": self.allowed})
        return body


class BrokenInvariant(RuntimeError):
    """A state the domain's own rules never produce (a bug, or a row changed behind the domain's back).

    Not the caller's doing, so not a `DomainError`: the HTTP edge answers 500 and logs it, a consumer
    retries and then dead-letters. Raised where an `assert` would do, since `python -O` strips asserts.
    """

    def __init__(self, entity: str, field: str, rule: str) -> None:
        self.entity = entity
        self.field = field
        self.rule = rule
        super().__init__(f"{entity} 数据不一致：{field} 违反「{rule}」 ({entity} is inconsistent: {field} breaks {rule})")
