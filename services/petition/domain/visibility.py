"""Who may see a matter, and what the public lookup shows.

County roles see all, township roles their township, departments their own. 检举控告 (accusations)
are never shown to the accused unit (§30), whatever its role: that rule is checked first and
nothing overrides it. The public lookup by receipt code (§18, §21) shows a dated status timeline:
no names, no actors, no internal notes or supervision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from minqing_kit.errors import Forbidden

from .enums import Kind, MatterStatus, Role
from .lifecycle import AuditEntry


class Visible(Protocol):
    kind: Kind
    township_code: str
    department: str | None
    accused_department: str | None


def can_view(
    matter: Visible, viewer_role: Role, viewer_department: str | None, viewer_township: str | None
) -> bool:
    if (
        matter.kind is Kind.accusation
        and matter.accused_department is not None
        and viewer_department == matter.accused_department
    ):
        return False
    if viewer_role.is_county:
        return True
    if viewer_role.is_township_scoped:
        return viewer_township is not None and viewer_township == matter.township_code
    if viewer_role is Role.department_handler:
        return viewer_department is not None and viewer_department == matter.department
    # Petitioners look a matter up by its receipt code, not through lists; the watcher needs no view.
    return False


def require_view(
    matter: Visible, viewer_role: Role, viewer_department: str | None, viewer_township: str | None
) -> None:
    if not can_view(matter, viewer_role, viewer_department, viewer_township):
        raise Forbidden(
            "无权查看该信访事项 (you may not view this matter)", field="matter", rule="view_scope"
        )


#: Audit actions a petitioner sees on the lookup page, with the wording of the notice.
PUBLIC_ACTIONS: dict[str, str] = {
    "register": "已登记",
    "link_repeat": "已并入在办事项",
    "assign": "已转送/交办",
    "raise_objection": "退回重新转送/交办",
    "accept": "已受理",
    "extend": "答复期限已延长",
    "reply": "已出具答复意见",
    "rate": "已评价",
    "close": "已办结",
    "request_review": "已申请复查",
    "decide_review": "复查已作出决定",
    "request_re_review": "已申请复核",
    "decide_re_review": "复核已作出决定，事项终结",
}


@dataclass(frozen=True)
class TimelineEntry:
    action: str
    label_zh: str
    status: MatterStatus
    at: datetime


def public_timeline(audit: Iterable[AuditEntry]) -> tuple[TimelineEntry, ...]:
    """The dated steps of a matter as the person may see them (handling notes and 督办 are internal)."""
    return tuple(
        TimelineEntry(e.action, PUBLIC_ACTIONS[e.action], e.to_state, e.at)
        for e in audit
        if e.action in PUBLIC_ACTIONS
    )
