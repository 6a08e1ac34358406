"""Builders for safety domain tests: a township with a quarry and a foundry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from minqing_kit.workdays import WorkdayCalendar
from services.safety.domain.enterprise import Enterprise, SafetyPermit
from services.safety.domain.enums import EnterpriseSize, HazardLevel, Industry
from services.safety.domain.hazard import Hazard
from services.safety.domain.plan import RectificationPlan

TOWNSHIP = "350124100000"
OTHER_TOWNSHIP = "350124101000"
# Check characters computed by hand from GB 32100-2015 (Huawei's and Alibaba's codes are real).
VALID_CODES = ("914403001922038216", "91330100799655058B", "91350124MA2Y0K8E3M", "92350124MA8T1QW5X2")
CODE = VALID_CODES[2]

T0 = datetime(2025, 5, 6, 8, 0, tzinfo=UTC)
CALENDAR = WorkdayCalendar()
OP = "station-op"


def at(hours: float = 0, days: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, days=days)


def permit() -> SafetyPermit:
    return SafetyPermit("(闽)FM安许证字[2024]0123", date(2024, 1, 1), date(2026, 12, 31))


def enterprise(
    industry: Industry = Industry.open_pit_quarry, township: str = TOWNSHIP, *, with_permit: bool = True
) -> Enterprise:
    return Enterprise.register(
        id=uuid4(),
        name="闽清某石材有限公司",
        credit_code=CODE,
        township_code=township,
        industry=industry,
        size=EnterpriseSize.small,
        permit=permit() if with_permit else None,
        actor=OP,
        now=at(),
    )


def hazard(
    ent: Enterprise | None = None,
    level: HazardLevel = HazardLevel.general,
    *,
    found: datetime | None = None,
    deadline: datetime | None = None,
) -> Hazard:
    ent = ent or enterprise()
    found = found or at(1)
    return Hazard.find(
        id=uuid4(),
        enterprise=ent,
        level=level,
        description="边坡台阶高度超过设计",
        requirement="按设计削坡分台阶",
        deadline=deadline or found + timedelta(days=15),
        actor="inspector-1",
        now=found,
    )


PLAN_TEXT = {
    "目标任务": "消除边坡隐患",
    "方法措施": "削坡减载，分台阶开采",
    "经费物资": "20 万元，挖掘机两台",
    "机构人员": "矿长负责，安全员两名",
    "时限要求": "30 日内完成",
    "安全措施和应急预案": "警戒区，监测，撤离预案",
}


def plan() -> RectificationPlan:
    return RectificationPlan.from_parts(PLAN_TEXT)


def kinds(events: list) -> list[str]:
    return [type(e).__name__ for e in events]
