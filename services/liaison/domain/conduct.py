"""Misconduct reports against the 五不准 of the 固阳县 scheme, with follow-up to a finding.

五不准: no leaving the post without leave (擅离岗位), no gifts from villagers (收受礼品礼金), no banquets
from local units (接受宴请), no expensing personal or sponsoring-unit costs in the village (报销个人费用),
no diverting aid funds (截留挪用扶贫资金). A report is a record, not a verdict: it is looked into
(核查中) and closed as substantiated (属实) or unfounded (不属实), every step with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from minqing_kit.errors import IllegalTransition

from . import events as ev
from ._guards import parse_enum, require_aware, require_text
from .enums import ConductStatus, Prohibition

S = ConductStatus
#: status → statuses a follow-up may move it to (a note without a status change keeps it).
TRANSITIONS: dict[ConductStatus, frozenset[ConductStatus]] = {
    S.open: frozenset({S.open, S.investigating, S.substantiated, S.unfounded}),
    S.investigating: frozenset({S.investigating, S.substantiated, S.unfounded}),
    S.substantiated: frozenset(),
    S.unfounded: frozenset(),
}


@dataclass(frozen=True)
class FollowUp:
    at: datetime
    by: str
    status: ConductStatus
    note: str


@dataclass
class MisconductReport:
    id: UUID
    stationing_id: UUID
    cadre: str
    township_code: str
    village_code: str
    prohibition: Prohibition
    description: str
    reported_by: str
    reported_at: datetime
    status: ConductStatus = ConductStatus.open
    follow_ups: list[FollowUp] = field(default_factory=list)
    events: list[ev.DomainEvent] = field(default_factory=list)

    @classmethod
    def report(cls, *, id: UUID, stationing_id: UUID, cadre: str, township_code: str, village_code: str,
               prohibition: Prohibition | str, description: str, actor: str, now: datetime) -> MisconductReport:
        require_aware(now, "now")
        kind = parse_enum(Prohibition, prohibition, "prohibition")
        r = cls(id=id, stationing_id=stationing_id, cadre=cadre, township_code=township_code,
                village_code=village_code, prohibition=kind,
                description=require_text(description, "description", max_len=5000), reported_by=actor,
                reported_at=now)
        r.events.append(ev.MisconductReported(occurred_at=now, township_code=township_code,
                                              village_code=village_code, report_id=id,
                                              stationing_id=stationing_id, cadre=cadre, prohibition=kind))
        return r

    def follow_up(self, *, status: ConductStatus | str, note: str, actor: str, now: datetime) -> FollowUp:
        require_aware(now, "now")
        to = parse_enum(ConductStatus, status, "status")
        if to not in TRANSITIONS[self.status]:
            raise IllegalTransition("五不准问题", self.status.value, to.value, [s.value for s in TRANSITIONS[self.status]])
        f = FollowUp(now, actor, to, require_text(note, "note", max_len=2000))
        self.follow_ups.append(f)
        self.status = to
        self.events.append(ev.MisconductFollowedUp(
            occurred_at=now, township_code=self.township_code, village_code=self.village_code, report_id=self.id,
            stationing_id=self.stationing_id, cadre=self.cadre, prohibition=self.prohibition, status=to,
            note=f.note))
        return f
