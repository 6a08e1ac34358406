from __future__ import annotations

from uuid import uuid4

import pytest

from minqing_kit.errors import InvalidInput
from services.safety.domain import events as ev
from services.safety.domain.checklist import FOUNDRY, GENERIC, QUARRY, checklist_for
from services.safety.domain.enums import HazardLevel, Industry
from services.safety.domain.inspection import Finding, HazardSpec, Inspection

from .factories import at, enterprise


def codes(items) -> set[str]:
    return {i.code for i in items}


def test_checklists_per_industry() -> None:
    assert codes(checklist_for(Industry.open_pit_quarry)) == {
        "blasting_method_and_benches", "slopes", "special_operations_staff", "staff_roster", "meeting_records",
    }  # fmt: skip
    assert codes(checklist_for(Industry.foundry)) == {"protective_gear", "mobile_equipment_wiring", "lifting_gear"}
    assert checklist_for(Industry.hazardous_chemicals) == GENERIC == checklist_for(Industry.other)
    assert checklist_for(Industry.open_pit_quarry) is QUARRY and checklist_for(Industry.foundry) is FOUNDRY


def record(ent, results, findings=(), when=None):
    return Inspection.record(
        id=uuid4(), enterprise=ent, kind="routine", inspectors=["inspector-1", "inspector-2"],
        inspected_at=when or at(1), results=results, findings=findings, now=at(2),
    )  # fmt: skip


FOUNDRY_OK = {"protective_gear": True, "mobile_equipment_wiring": True, "lifting_gear": True}


def test_foundry_inspection_with_a_hazard_finding() -> None:
    ent = enterprise(Industry.foundry)
    spec = HazardSpec(HazardLevel.general, "更换破损电缆", at(days=7))
    insp = record(
        ent, {**FOUNDRY_OK, "mobile_equipment_wiring": False},
        [Finding("移动设备电缆破损", item="mobile_equipment_wiring", hazard=spec), Finding("通道堆放杂物")],
    )  # fmt: skip
    assert not insp.passed and len(insp.hazard_findings) == 1
    (e,) = insp.events
    assert isinstance(e, ev.InspectionRecorded)
    assert (e.items_checked, e.findings, e.inspection_kind.value, e.industry) == (3, 2, "routine", Industry.foundry)
    assert "inspector-1" not in repr(e)


def test_clean_inspection_passes() -> None:
    assert record(enterprise(Industry.foundry), FOUNDRY_OK).passed


@pytest.mark.parametrize(
    ("results", "findings", "field", "rule"),
    [
        ({"protective_gear": True, "lifting_gear": True}, (), "results.mobile_equipment_wiring",
         "checklist_complete"),
        ({**FOUNDRY_OK, "slopes": True}, (), "results.slopes", "checklist_item"),
        ({**FOUNDRY_OK, "lifting_gear": False}, (), "results.lifting_gear", "failed_item_needs_finding"),
        (FOUNDRY_OK, (Finding("x", item="slopes"),), "findings[0].item", "checklist_item"),
        (FOUNDRY_OK, (Finding("x", hazard=HazardSpec("general", "fix", at(1))),), "findings[0].hazard.deadline",
         "deadline_after_inspection"),
    ],
)  # fmt: skip
def test_inspection_refuses_incomplete_or_inconsistent_checklists(results, findings, field, rule) -> None:
    with pytest.raises(InvalidInput) as err:
        record(enterprise(Industry.foundry), results, findings)
    assert (err.value.field, err.value.rule) == (field, rule)


def test_inspection_needs_inspectors_and_no_future_date() -> None:
    ent = enterprise(Industry.foundry)
    with pytest.raises(InvalidInput) as err:
        Inspection.record(id=uuid4(), enterprise=ent, kind="routine", inspectors=[], inspected_at=at(1),
                          results=FOUNDRY_OK, now=at(2))
    assert err.value.field == "inspectors"
    with pytest.raises(InvalidInput) as err:
        record(ent, FOUNDRY_OK, when=at(3))
    assert err.value.rule == "not_future"
