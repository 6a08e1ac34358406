"""Value sets of the liaison domain; values are English words, `label_zh` the wording on screens."""

from __future__ import annotations

from enum import StrEnum


class PresenceStatus(StrEnum):
    in_village = "in_village"  # 在村
    at_township = "at_township"  # 在乡镇（报告工作）
    on_leave = "on_leave"  # 请假
    official_business = "official_business"  # 公务外出

    @property
    def label_zh(self) -> str:
        return {"in_village": "在村", "at_township": "在乡镇", "on_leave": "请假",
                "official_business": "公务外出"}[self.value]

    @property
    def needs_note(self) -> bool:
        """Leave and official business say why (五不准: no leaving the post without leave)."""
        return self in (PresenceStatus.on_leave, PresenceStatus.official_business)


class Prohibition(StrEnum):
    """五不准 of the 固阳县 scheme."""

    left_post = "left_post"  # 不准擅离岗位
    gifts = "gifts"  # 不准收受群众礼品礼金
    banquets = "banquets"  # 不准接受基层单位宴请
    personal_expenses = "personal_expenses"  # 不准在村报销个人或派出单位费用
    diverted_funds = "diverted_funds"  # 不准截留挪用扶贫资金

    @property
    def label_zh(self) -> str:
        return {"left_post": "擅离岗位", "gifts": "收受礼品礼金", "banquets": "接受宴请",
                "personal_expenses": "在村报销个人费用", "diverted_funds": "截留挪用扶贫资金"}[self.value]


class ConductStatus(StrEnum):
    open = "open"  # 已登记
    investigating = "investigating"  # 核查中
    substantiated = "substantiated"  # 属实（已处理）
    unfounded = "unfounded"  # 不属实

    @property
    def closed(self) -> bool:
        return self in (ConductStatus.substantiated, ConductStatus.unfounded)


class Employment(StrEnum):
    farming = "farming"  # 务农
    local_work = "local_work"  # 本地务工
    migrant_work = "migrant_work"  # 外出务工
    business = "business"  # 个体经营
    student = "student"  # 在校
    retired = "retired"  # 退休/老年
    unable = "unable"  # 丧失劳动能力
    unemployed = "unemployed"  # 无业
    other = "other"


class IncomeBand(StrEnum):
    """Per-capita annual net income of the household (人均年纯收入), yuan."""

    below_4k = "below_4k"
    from_4k_to_10k = "4k_10k"
    from_10k_to_20k = "10k_20k"
    from_20k = "20k_up"


class HelpStatus(StrEnum):
    planned = "planned"  # 计划
    in_progress = "in_progress"  # 推进中
    done = "done"  # 已完成
    dropped = "dropped"  # 已取消
