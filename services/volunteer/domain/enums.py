"""Enumerations of the volunteer domain, with Chinese labels for operators.

Values are stable English words (stored in tables, carried in events); labels are for screens.
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Tier of the 新时代文明实践 network. Ordered village < township < county (dispatch goes up)."""

    village = "village"  # 新时代文明实践站
    township = "township"  # 新时代文明实践所
    county = "county"  # 新时代文明实践中心

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]

    @property
    def label(self) -> str:
        return _LEVEL_LABEL[self]

    # Ordering by tier, not by spelling: str comparison would put "county" lowest.
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank >= other.rank


_LEVEL_RANK = {Level.village: 0, Level.township: 1, Level.county: 2}
_LEVEL_LABEL = {Level.village: "实践站", Level.township: "实践所", Level.county: "实践中心"}


class Specialty(StrEnum):
    """Service field of a team and category of a request (微心愿)."""

    ecology = "ecology"
    medical = "medical"
    legal = "legal"
    elderly_disabled = "elderly_disabled"
    left_behind_children = "left_behind_children"
    culture = "culture"
    science = "science"
    emergency = "emergency"
    theory = "theory"
    education = "education"
    neighbourhood = "neighbourhood"

    @property
    def label(self) -> str:
        return _SPECIALTY_LABEL[self]


_SPECIALTY_LABEL = {
    Specialty.ecology: "生态环保",
    Specialty.medical: "医疗健康",
    Specialty.legal: "法律服务",
    Specialty.elderly_disabled: "助老助残",
    Specialty.left_behind_children: "关爱留守儿童",
    Specialty.culture: "文化文艺",
    Specialty.science: "科技科普",
    Specialty.emergency: "应急救援",
    Specialty.theory: "理论宣讲",
    Specialty.education: "助学支教",
    Specialty.neighbourhood: "邻里互助",
}


class Urgency(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"

    @property
    def label(self) -> str:
        return {"low": "低", "normal": "一般", "high": "较急", "urgent": "紧急"}[self.value]


class RequestStatus(StrEnum):
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"
    dispatched = "dispatched"
    needs_manual_dispatch = "needs_manual_dispatch"
    accepted = "accepted"
    in_service = "in_service"
    completed = "completed"
    rated = "rated"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return _STATUS_LABEL[self]


_STATUS_LABEL = {
    RequestStatus.submitted: "已点单",
    RequestStatus.approved: "已审单",
    RequestStatus.rejected: "已驳回",
    RequestStatus.dispatched: "已派单",
    RequestStatus.needs_manual_dispatch: "待人工派单",
    RequestStatus.accepted: "已接单",
    RequestStatus.in_service: "服务中",
    RequestStatus.completed: "已完成",
    RequestStatus.rated: "已评单",
    RequestStatus.cancelled: "已取消",
}


class ActivityType(StrEnum):
    """Organised activities (not tied to a 微心愿)."""

    free_clinic = "free_clinic"
    sanitation = "sanitation"
    legal_awareness = "legal_awareness"
    performance = "performance"
    theory_talk = "theory_talk"
    science_popularisation = "science_popularisation"
    elderly_care = "elderly_care"
    other = "other"

    @property
    def label(self) -> str:
        return _ACTIVITY_LABEL[self]


_ACTIVITY_LABEL = {
    ActivityType.free_clinic: "义诊",
    ActivityType.sanitation: "爱国卫生",
    ActivityType.legal_awareness: "普法宣传",
    ActivityType.performance: "文艺演出",
    ActivityType.theory_talk: "理论宣讲",
    ActivityType.science_popularisation: "科普宣传",
    ActivityType.elderly_care: "敬老助老",
    ActivityType.other: "其他",
}


class HoursSource(StrEnum):
    """Where a volunteer's service hours came from."""

    request = "request"
    activity = "activity"
