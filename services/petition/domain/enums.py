"""Enumerations of the petition (信访) domain, each with a Chinese label for operators.

Values are stable English words (stored in tables, carried in events, equal to the contract's
values); `label_zh` is for screens and receipts.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label_zh(self) -> str:
        return _LABELS[self]


class Channel(_Labelled):
    """How the matter reached us (§17), plus the cadres' own 民情走访."""

    visit = "visit"
    letter = "letter"
    phone = "phone"
    fax = "fax"
    online = "online"
    field_visit = "field_visit"


class Kind(_Labelled):
    """The three kinds of §29–31; the kind decides the handling route and who may see the file."""

    suggestion = "suggestion"
    accusation = "accusation"
    claim = "claim"


class MatterStatus(_Labelled):
    registered = "registered"
    assigned = "assigned"
    accepted = "accepted"
    replied = "replied"
    closed = "closed"
    under_review = "under_review"
    reviewed = "reviewed"
    under_re_review = "under_re_review"
    final = "final"
    linked = "linked"  # a repeat of an open matter: recorded and linked, not a new case (§19)


class RoutingMode(_Labelled):
    transfer = "transfer"  # 转送: handed on, the receiver reports back
    assign = "assign"  # 交办: ordered, with a duty to report the result


class Satisfaction(_Labelled):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"


class ReviewOutcome(_Labelled):
    upheld = "upheld"
    changed = "changed"


class ReviewLevel(_Labelled):
    review = "review"  # 复查
    re_review = "re_review"  # 复核


class DeadlineKind(_Labelled):
    """Statutory clocks the agency runs against (the petitioner's own windows are not listed)."""

    route = "route"
    acceptance_notice = "acceptance_notice"
    objection = "objection"
    reply = "reply"
    review_decision = "review_decision"
    re_review_decision = "re_review_decision"


class AlertLevel(_Labelled):
    approaching = "approaching"
    overdue = "overdue"


class WorkQueue(_Labelled):
    """What waits for a county leader or supervisor (the workbench's 待办 queues)."""

    sign_off = "sign_off"  # registered, waiting for 转送/交办 with the leader's sign-off
    extension = "extension"  # a department's 申请延期 waiting for a decision
    review = "review"  # 复查 / 复核 requests waiting for a decision
    overdue = "overdue"  # an open statutory deadline has passed
    supervised = "supervised"  # 督办: matters under supervision that are still open


class ListSort(_Labelled):
    """Server-side orders of the worklists (the inbox: by due date, earliest first)."""

    registered_desc = "registered_desc"
    registered_asc = "registered_asc"
    due_asc = "due_asc"
    due_desc = "due_desc"


class Role(_Labelled):
    """Who acts. County roles see every matter; the others are scoped (see `visibility`)."""

    petition_officer = "petition_officer"  # 县信访局: registers, routes, closes, records reviews
    county_leader = "county_leader"  # signs off routing, decides reviews
    county_supervisor = "county_supervisor"  # 督办
    township_operator = "township_operator"
    cadre = "cadre"  # 驻村干部: files 民情走访 records
    department_handler = "department_handler"  # 承办部门
    petitioner = "petitioner"  # acting through the lookup code: rates, asks for review
    system = "system"  # the deadline watcher

    @property
    def is_county(self) -> bool:
        return self in _COUNTY_ROLES

    @property
    def is_township_scoped(self) -> bool:
        return self in (Role.township_operator, Role.cadre)


_COUNTY_ROLES = frozenset({Role.petition_officer, Role.county_leader, Role.county_supervisor})

_LABELS: dict[StrEnum, str] = {
    Channel.visit: "走访",
    Channel.letter: "书信",
    Channel.phone: "电话",
    Channel.fax: "传真",
    Channel.online: "网络",
    Channel.field_visit: "民情走访",
    Kind.suggestion: "建议意见类",
    Kind.accusation: "检举控告类",
    Kind.claim: "申诉求决类",
    MatterStatus.registered: "已登记",
    MatterStatus.assigned: "已转送/交办",
    MatterStatus.accepted: "已受理",
    MatterStatus.replied: "已答复",
    MatterStatus.closed: "已办结",
    MatterStatus.under_review: "复查中",
    MatterStatus.reviewed: "已复查",
    MatterStatus.under_re_review: "复核中",
    MatterStatus.final: "已复核终结",
    MatterStatus.linked: "重复件已并案",
    RoutingMode.transfer: "转送",
    RoutingMode.assign: "交办",
    Satisfaction.satisfied: "满意",
    Satisfaction.basically_satisfied: "基本满意",
    Satisfaction.dissatisfied: "不满意",
    ReviewOutcome.upheld: "维持",
    ReviewOutcome.changed: "变更",
    ReviewLevel.review: "复查",
    ReviewLevel.re_review: "复核",
    DeadlineKind.route: "转送交办期限",
    DeadlineKind.acceptance_notice: "受理告知期限",
    DeadlineKind.objection: "异议期限",
    DeadlineKind.reply: "答复期限",
    DeadlineKind.review_decision: "复查期限",
    DeadlineKind.re_review_decision: "复核期限",
    AlertLevel.approaching: "临期",
    AlertLevel.overdue: "超期",
    WorkQueue.sign_off: "待签批转送",
    WorkQueue.extension: "延期待审批",
    WorkQueue.review: "复查复核待决定",
    WorkQueue.overdue: "超期事项",
    WorkQueue.supervised: "督办事项",
    ListSort.registered_desc: "登记时间（新→旧）",
    ListSort.registered_asc: "登记时间（旧→新）",
    ListSort.due_asc: "到期时间（近→远）",
    ListSort.due_desc: "到期时间（远→近）",
    Role.petition_officer: "信访工作人员",
    Role.county_leader: "县领导",
    Role.county_supervisor: "督查人员",
    Role.township_operator: "乡镇信访员",
    Role.cadre: "驻村干部",
    Role.department_handler: "承办部门",
    Role.petitioner: "信访人",
    Role.system: "系统",
}
