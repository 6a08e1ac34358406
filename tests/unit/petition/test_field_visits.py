"""`liaison.problem_raised` → a 民情走访 matter, through the bus on the in-memory unit of work.

What they prove: the problem registers one matter (channel field_visit, the cadre's pseudonym as the
filing cadre, the household's pseudonym as the petitioner, the routing clock running), linked to the
visit; the same problem again — under the same or another event id — returns that matter and
publishes nothing; a village outside the county or a class outside the tree is refused (the consumer
dead-letters it) with nothing committed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from minqing_contract.events.petition import MatterRegistered
from minqing_kit.errors import InvalidInput
from services.petition.domain.enums import Channel, MatterStatus
from services.petition.service_layer import commands as cmd

from .test_handlers import TOWNSHIP, VILLAGE, World

HOUSEHOLD, CADRE = "p_" + "h" * 26, "p_" + "c" * 26


def problem(**overrides: Any) -> cmd.RegisterFromVisit:
    fields: dict[str, Any] = dict(
        event_id=uuid4(), problem_id=uuid4(), visit_id=uuid4(), household=HOUSEHOLD, cadre=CADRE,
        township_code=TOWNSHIP, village_code=VILLAGE, category="livelihood", subcategory="drinking_water",
        visited_on=date(2025, 5, 5))
    fields.update(overrides)
    return cmd.RegisterFromVisit(**fields)


@pytest.fixture
def w() -> World:
    return World()


async def test_a_raised_problem_registers_one_field_visit_matter_linked_to_the_visit(w: World) -> None:
    c = problem()
    matter_id = await w.do(c, cmd.SYSTEM)
    matter, _ = w.uow.matters.rows[matter_id]
    assert (matter.channel, matter.status, matter.cadre_id) == (Channel.field_visit, MatterStatus.registered, CADRE)
    assert matter.pseudonyms == (HOUSEHOLD,) and matter.village_code == VILLAGE
    assert str(c.visit_id) in matter.content and "p_" + "h" * 26 in matter.content
    link = w.uow.links.rows[c.problem_id]
    assert (link.matter_id, link.visit_id, link.event_id) == (matter_id, c.visit_id, c.event_id)
    [registered] = [p for p in w.uow.payloads() if isinstance(p, MatterRegistered)]
    assert registered.channel == "field_visit" and registered.petitioners == [HOUSEHOLD]
    # the ordinary clock runs: routed (转送/交办) within 15 days of registration (§22)
    assert timedelta(days=14) <= registered.route_due_at - w.now <= timedelta(days=16)


async def test_the_same_problem_again_returns_its_matter_and_publishes_nothing(w: World) -> None:
    c = problem()
    first = await w.do(c, cmd.SYSTEM)
    published, commits = len(w.uow.published), w.uow.commits
    again = await w.do(problem(problem_id=c.problem_id, visit_id=c.visit_id), cmd.SYSTEM)  # another event id
    assert again == first and len(w.uow.matters.rows) == 1
    assert len(w.uow.published) == published and w.uow.commits == commits


@pytest.mark.parametrize(("overrides", "field"), [
    ({"village_code": "990102102201"}, "village_code"),  # 红旗村 lies in 长征镇, not in the event's township
    ({"village_code": "990102101999"}, "village_code"),
    ({"subcategory": "wage_arrears"}, "subcategory"),  # filed under 社会矛盾, not 民生改善
    ({"category": "weather"}, "category"),
])
async def test_a_problem_that_cannot_be_a_matter_is_refused_with_nothing_committed(
        w: World, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as e:
        await w.do(problem(**overrides), cmd.SYSTEM)
    assert e.value.field == field
    assert w.uow.published == [] and w.uow.matters.rows == {} and w.uow.links.rows == {}
