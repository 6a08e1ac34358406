"""Inspection checklists per industry: what a station inspector must look at.

From county practice: quarries — blasting method and benches, slopes, special-operations staff,
staff roster, meeting records; foundries — protective gear, wiring of mobile equipment, lifting
gear. Every other industry gets the generic list. Item codes are stable; labels are for screens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .enums import Industry


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str


GENERIC: tuple[ChecklistItem, ...] = (
    ChecklistItem("safety_responsibility", "安全生产责任制与管理制度"),
    ChecklistItem("training_records", "安全教育培训记录"),
    ChecklistItem("special_operations_staff", "特种作业人员持证上岗名单"),
    ChecklistItem("hazard_register", "隐患排查治理台账"),
    ChecklistItem("emergency_plan", "应急预案与演练"),
    ChecklistItem("fire_safety", "消防设施与安全通道"),
)

QUARRY: tuple[ChecklistItem, ...] = (
    ChecklistItem("blasting_method_and_benches", "爆破方式与台阶设置"),
    ChecklistItem("slopes", "边坡稳定与监测"),
    ChecklistItem("special_operations_staff", "特种作业人员名单"),
    ChecklistItem("staff_roster", "从业人员花名册"),
    ChecklistItem("meeting_records", "安全会议记录"),
)

FOUNDRY: tuple[ChecklistItem, ...] = (
    ChecklistItem("protective_gear", "劳动防护用品佩戴"),
    ChecklistItem("mobile_equipment_wiring", "移动设备接线"),
    ChecklistItem("lifting_gear", "起重设备与吊具"),
)

CHECKLISTS: Mapping[Industry, tuple[ChecklistItem, ...]] = {
    Industry.open_pit_quarry: QUARRY,
    Industry.foundry: FOUNDRY,
}


def checklist_for(industry: Industry) -> tuple[ChecklistItem, ...]:
    return CHECKLISTS.get(industry, GENERIC)
