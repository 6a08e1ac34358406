"""Enumerations of the safety domain, with Chinese labels for operators.

Values are stable English words (stored in tables, carried in events) and match the contract's
enums in `minqing_contract.events.safety`; labels are for screens.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS[self]


class Industry(_Labelled):
    foundry = "foundry"
    open_pit_quarry = "open_pit_quarry"
    hazardous_chemicals = "hazardous_chemicals"
    fireworks = "fireworks"
    metallurgy = "metallurgy"
    construction = "construction"
    other = "other"


class EnterpriseSize(_Labelled):
    large = "large"
    medium = "medium"
    small = "small"
    micro = "micro"


class PermitStatus(_Labelled):
    """Safety permit (安全生产许可证). Ordered by severity: valid < suspended < collected < revoked."""

    valid = "valid"
    suspended = "suspended"  # 暂扣
    collected = "collected"  # 收缴 (held by the station until re-inspection passes)
    revoked = "revoked"  # 吊销

    @property
    def severity(self) -> int:
        return list(PermitStatus).index(self)


class OperatingStatus(_Labelled):
    operating = "operating"
    suspended = "suspended"  # 停产停业整顿
    closed = "closed"  # 关闭


class HazardLevel(_Labelled):
    general = "general"
    major = "major"


class HazardStatus(_Labelled):
    found = "found"
    rectification_reported = "rectification_reported"
    reinspection_failed = "reinspection_failed"
    penalised = "penalised"
    closed = "closed"  # 销号


class InspectionKind(_Labelled):
    routine = "routine"
    re_inspection = "re_inspection"
    follow_up = "follow_up"  # 回头看


class SuspensionReason(_Labelled):
    penalty_refusal = "penalty_refusal"
    fatal_accident = "fatal_accident"
    township_order = "township_order"
    major_hazard = "major_hazard"


class PenaltyTarget(_Labelled):
    unit = "unit"
    responsible_person = "responsible_person"


class AccidentGrade(_Labelled):
    """条例 §3 grades, ordered ordinary < larger < major < especially_major."""

    ordinary = "ordinary"
    larger = "larger"
    major = "major"
    especially_major = "especially_major"

    @property
    def rank(self) -> int:
        return list(AccidentGrade).index(self)


class InvestigationNature(_Labelled):
    """事故性质 as the investigation report states it (条例 §30(三))."""

    liability = "liability"  # 责任事故
    non_liability = "non_liability"  # 非责任事故


_LABELS: dict[StrEnum, str] = {
    Industry.foundry: "铸造",
    Industry.open_pit_quarry: "露天矿山",
    Industry.hazardous_chemicals: "危险化学品",
    Industry.fireworks: "烟花爆竹",
    Industry.metallurgy: "冶金",
    Industry.construction: "建筑施工",
    Industry.other: "其他",
    EnterpriseSize.large: "大型",
    EnterpriseSize.medium: "中型",
    EnterpriseSize.small: "小型",
    EnterpriseSize.micro: "微型",
    PermitStatus.valid: "有效",
    PermitStatus.suspended: "暂扣",
    PermitStatus.collected: "收缴",
    PermitStatus.revoked: "吊销",
    OperatingStatus.operating: "正常生产",
    OperatingStatus.suspended: "停产停业整顿",
    OperatingStatus.closed: "关闭",
    HazardLevel.general: "一般隐患",
    HazardLevel.major: "重大隐患",
    HazardStatus.found: "已发现",
    HazardStatus.rectification_reported: "已报整改",
    HazardStatus.reinspection_failed: "复查未通过",
    HazardStatus.penalised: "已处罚",
    HazardStatus.closed: "已销号",
    InspectionKind.routine: "日常检查",
    InspectionKind.re_inspection: "复查",
    InspectionKind.follow_up: "回头看",
    SuspensionReason.penalty_refusal: "拒不执行整改",
    SuspensionReason.fatal_accident: "发生亡人事故",
    SuspensionReason.township_order: "乡镇停产自查令",
    SuspensionReason.major_hazard: "重大事故隐患",
    PenaltyTarget.unit: "生产经营单位",
    PenaltyTarget.responsible_person: "直接负责的主管人员和其他直接责任人员",
    AccidentGrade.ordinary: "一般事故",
    AccidentGrade.larger: "较大事故",
    AccidentGrade.major: "重大事故",
    AccidentGrade.especially_major: "特别重大事故",
    InvestigationNature.liability: "责任事故",
    InvestigationNature.non_liability: "非责任事故",
}
