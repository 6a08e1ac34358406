"""复产 after a fatal accident: the investigation closed, then a county 复产验收 passed.

The rule (sources and what is statute vs county practice: docs/safety.md):
- 《生产安全事故报告和调查处理条例》§19/§29/§32/§33: every accident is investigated and the
  government replies to the report; the unit must carry out the measures the report orders.
- 《安全生产法》§65 and the 16号令 on 停产停业整顿: a stopped unit resumes only after review
  (审查/验收) by the authority that stopped it.
- County practice (not a statute): a unit stopped for a fatal accident resumes only when
  (1) every fatal accident of the unit has its investigation closed (结案), and
  (2) a 复产验收 organised by the county, dated after the suspension and after the last
      investigation closed, has passed. One passing township re-inspection is not enough.

A passed acceptance resumes the unit in the same step (the county's acceptance is its go-ahead);
a failed one is recorded and the unit stays stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from minqing_kit.errors import BrokenInvariant, Conflict, Forbidden, InvalidInput

from . import events as ev
from ._guards import require_actor, require_aware
from .accident import Accident
from .enterprise import Enterprise
from .enums import OperatingStatus

MAX_NOTE = 2000


@dataclass(eq=False)
class ResumptionAcceptance:
    """复产验收: the county's on-site check of a stopped unit before it may resume."""

    id: UUID
    enterprise_id: UUID
    township_code: str
    checked_at: datetime
    passed: bool
    inspectors: tuple[str, ...]  # operator ids, stored encrypted like an inspection's
    note: str
    events: list[ev.DomainEvent] = field(default_factory=list)


def open_investigations(enterprise: Enterprise, accidents: Iterable[Accident]) -> list[Accident]:
    """This unit's fatal accidents whose investigation is not closed."""
    return [a for a in accidents if a.enterprise_id == enterprise.id and a.fatal and not a.investigation_closed]


def accept_resumption(
    *,
    id: UUID,
    enterprise: Enterprise,
    accidents: Iterable[Accident],
    passed: bool,
    checked_at: datetime,
    inspectors: Iterable[str],
    note: str = "",
    by_county: bool,
    actor: str,
    now: datetime,
) -> ResumptionAcceptance:
    """Record a 复产验收 of a suspended unit; if it passed, resume the unit (events on both)."""
    if not by_county:
        raise Forbidden("复产验收须由县级组织 (a resumption acceptance is made by the county level)",
                        field="role", rule="county_level")
    if enterprise.operating_status is not OperatingStatus.suspended:
        raise Conflict("企业未处于停产整顿状态 (the enterprise is not suspended)", field="enterprise_id",
                       rule="enterprise_suspended")
    if not isinstance(passed, bool):
        raise InvalidInput("passed 须为是/否 (passed must be true/false)", field="passed", rule="bool")
    require_actor(actor)
    require_aware(now, "now")
    require_aware(checked_at, "checked_at")
    if enterprise.suspended_at is None:
        raise BrokenInvariant("企业 (enterprise)", "suspended_at", "set_while_suspended")
    if checked_at > now:
        raise InvalidInput("验收时间不能在将来 (checked_at is in the future)", field="checked_at", rule="not_future")
    if checked_at < enterprise.suspended_at:
        raise InvalidInput("验收时间须在停产之后 (the acceptance must be after the suspension)",
                           field="checked_at", rule="after_suspension")
    people = tuple(dict.fromkeys(require_actor(p) for p in inspectors))
    if not people:
        raise InvalidInput("须填写验收人员 (at least one inspector)", field="inspectors", rule="min_1")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"note 不能超过 {MAX_NOTE} 字 (note must be at most {MAX_NOTE} characters)",
                           field="note", rule=f"max_length_{MAX_NOTE}")
    accidents = list(accidents)
    if passed:
        _check_investigations(enterprise, accidents, checked_at)
    acc = ResumptionAcceptance(id=id, enterprise_id=enterprise.id, township_code=enterprise.township_code,
                               checked_at=checked_at, passed=passed, inspectors=people, note=note)
    acc.events.append(ev.ResumptionAcceptanceRecorded(
        occurred_at=now, township_code=enterprise.township_code, enterprise_id=enterprise.id,
        industry=enterprise.industry, acceptance_id=id, checked_at=checked_at, passed=passed))
    if passed:
        enterprise.resume_on_acceptance(id, actor=actor, now=now)
    return acc


def _check_investigations(enterprise: Enterprise, accidents: list[Accident], checked_at: datetime) -> None:
    still_open = open_investigations(enterprise, accidents)
    if still_open:
        raise Conflict(
            f"事故调查尚未结案，不能通过复产验收 (accident {still_open[0].id}: the investigation is not closed)",
            field="accident_id", rule="investigation_closed_required")
    closed = [a.investigation_closed_at for a in accidents
              if a.enterprise_id == enterprise.id and a.fatal and a.investigation_closed_at is not None]
    if closed and checked_at < max(closed):
        raise InvalidInput(
            "复产验收须在事故调查结案之后 (the acceptance must come after the investigation was closed)",
            field="checked_at", rule="after_investigation_closed")
