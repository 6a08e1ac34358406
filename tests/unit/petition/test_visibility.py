"""Who sees a matter: accusations never reach the accused unit (§30); the public timeline."""

from __future__ import annotations

import pytest

from minqing_kit.errors import Forbidden
from services.petition.domain.enums import Role
from services.petition.domain.visibility import can_view, public_timeline, require_view

from .factories import (
    DEPT,
    HANDLER,
    OFFICER,
    OTHER_TOWNSHIP,
    PERSON,
    SUPERVISOR,
    T0,
    TOWNSHIP,
    days,
    register,
    replied,
)

ACCUSED = "town_land_office"


def accusation():
    m = register(
        kind="accusation", category="grassroots", subcategory="cadre_conduct", accused_department=ACCUSED
    )
    m.assign(department=DEPT, mode="assign", signed_by="u-leader", actor=OFFICER, now=T0 + days(1))
    return m


def test_accused_unit_never_sees_the_accusation_whatever_its_role() -> None:
    m = accusation()
    for role in Role:
        assert not can_view(m, role, ACCUSED, TOWNSHIP), role
    with pytest.raises(Forbidden) as err:
        require_view(m, Role.petition_officer, ACCUSED, None)
    assert err.value.rule == "view_scope"


def test_other_units_see_the_accusation_by_their_scope() -> None:
    m = accusation()
    assert can_view(m, Role.department_handler, DEPT, None)
    assert can_view(m, Role.county_supervisor, "county_supervision", None)
    assert can_view(m, Role.township_operator, None, TOWNSHIP)


def test_accusation_cannot_be_routed_to_the_accused_unit() -> None:
    from minqing_kit.errors import InvalidInput

    m = register(
        kind="accusation", category="grassroots", subcategory="cadre_conduct", accused_department=ACCUSED
    )
    with pytest.raises(InvalidInput) as err:
        m.assign(department=ACCUSED, mode="assign", signed_by="u-leader", actor=OFFICER, now=T0 + days(1))
    assert err.value.rule == "not_to_accused_department"


def test_claims_follow_role_scopes() -> None:
    m = register()
    assert can_view(m, Role.petition_officer, None, None)
    assert can_view(m, Role.township_operator, None, TOWNSHIP)
    assert not can_view(m, Role.township_operator, None, OTHER_TOWNSHIP)
    assert not can_view(m, Role.department_handler, DEPT, None)  # not yet assigned to it
    assert not can_view(m, Role.petitioner, None, None)  # people use the lookup code


def test_public_timeline_has_dates_but_no_notes_actors_or_supervision() -> None:
    m = replied()
    m.rate(satisfaction="satisfied", actor=PERSON, now=T0 + days(21))
    m.audit.insert(
        3, type(m.audit[0])("add_note", HANDLER, T0 + days(3), m.status, m.status, "内部：约谈张三")
    )
    timeline = public_timeline(m.audit)
    assert [t.action for t in timeline] == ["register", "assign", "accept", "reply", "rate"]
    assert [t.label_zh for t in timeline][-2:] == ["已出具答复意见", "已评价"]
    assert all(t.at is not None for t in timeline)
    assert "张三" not in repr(timeline) and "u-handler" not in repr(timeline)
    sup = register()
    sup.supervise(actor=SUPERVISOR, now=T0 + days(20))
    assert [t.action for t in public_timeline(sup.audit)] == ["register"]
