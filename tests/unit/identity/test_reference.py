"""Reference data (villages, departments) through the bus on the in-memory unit of work.

What they prove: only the county admin changes reference data; a village's code must belong to its
township; a taken code is a 409 that commits nothing; each change is one published `identity.*`
event (names of places, no personal data) with its audit row; the seed stores the division file's
baseline once, with no events; lists are filtered, sorted and paged by the query.
"""

from __future__ import annotations

import pytest

from minqing_contract.events import identity as contract
from minqing_kit.actor import Actor
from minqing_kit.auth import Role
from minqing_kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.identity.service_layer import commands as c
from services.identity.service_layer import queries
from services.identity.service_layer.reference_handlers import DEPARTMENT, VILLAGE

from .test_handlers import COUNTY, TOWNSHIP, World

NEW_VILLAGE = TOWNSHIP[:9] + "901"


@pytest.fixture
async def w() -> World:
    world = World()
    await world.bus.handle(c.SeedReference(), c.SYSTEM)
    return world


async def admin(w: World) -> Actor:
    return w.person(await w.account("county.admin", Role.COUNTY_ADMIN, COUNTY))


async def test_the_seed_stores_the_division_file_once_and_publishes_nothing(w: World) -> None:
    villages = len(w.deps.county.villages)
    assert sum(1 for kind, _ in w.uow.reference.rows if kind == VILLAGE) == villages
    await w.bus.handle(c.SeedReference(), c.SYSTEM)
    assert sum(1 for kind, _ in w.uow.reference.rows if kind == VILLAGE) == villages
    assert w.uow.published == []


async def test_the_county_admin_adds_a_village_published_and_audited(w: World) -> None:
    actor = await admin(w)
    entry = await w.bus.handle(c.AddVillage(TOWNSHIP, NEW_VILLAGE, " 新建村 "), actor)
    assert (entry.code, entry.name, entry.parent_code, entry.active) == (NEW_VILLAGE, "新建村", TOWNSHIP, True)
    [payload] = w.uow.payloads()
    assert isinstance(payload, contract.VillageAdded)
    assert (payload.village_code, payload.village_name, payload.township_code) == (NEW_VILLAGE, "新建村", TOWNSHIP)
    assert payload.actor_id is not None and w.audited() == ["identity.village_added"]
    assert NEW_VILLAGE in {e.code for e in (await queries.active_reference(w.uow))[0]}


@pytest.mark.parametrize(("township", "code", "field", "rule"), [
    ("990102999000", "990102999001", "township_code", "known_township"),
    (TOWNSHIP, "99010210190", "code", "pattern"),
    (TOWNSHIP, "990102102901", "code", "village_of_township"),
    (TOWNSHIP, TOWNSHIP, "code", "village_of_township"),
])
async def test_a_village_code_outside_its_township_is_refused(w: World, township: str, code: str, field: str,
                                                              rule: str) -> None:
    actor = await admin(w)
    with pytest.raises(InvalidInput) as refused:
        await w.bus.handle(c.AddVillage(township, code, "新建村"), actor)
    assert (refused.value.field, refused.value.rule) == (field, rule)
    assert w.uow.published == []


async def test_a_taken_code_is_a_conflict_and_nothing_is_published(w: World) -> None:
    actor = await admin(w)
    taken = w.deps.county.township(TOWNSHIP).villages[0].code  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        await w.bus.handle(c.AddVillage(TOWNSHIP, taken, "重复村"), actor)
    with pytest.raises(Conflict):
        await w.bus.handle(c.AddDepartment("xfj", "又一个信访局"), actor)
    assert w.uow.published == [] and w.audited() == []


async def test_only_the_county_admin_maintains_reference_data(w: World) -> None:
    operator = w.person(await w.account("op.ref"))
    with pytest.raises(Forbidden):
        await w.bus.handle(c.AddVillage(TOWNSHIP, NEW_VILLAGE, "新建村"), operator)
    with pytest.raises(Forbidden):
        await w.bus.handle(c.UpdateDepartment("xfj", name="改名"), operator)
    with pytest.raises(Forbidden):
        await queries.reference_page(w.uow, operator, VILLAGE, parent_code=None, text=None, active=None, sort="code",
                                     descending=False, limit=10, offset=0)
    assert w.uow.published == []


async def test_retiring_a_village_drops_it_from_the_forms_and_says_so(w: World) -> None:
    actor = await admin(w)
    village = w.deps.county.township(TOWNSHIP).villages[0]  # type: ignore[union-attr]
    entry = await w.bus.handle(c.UpdateVillage(village.code, active=False), actor)
    assert not entry.active and entry.name == village.name
    [payload] = w.uow.payloads()
    assert isinstance(payload, contract.VillageChanged) and payload.active is False
    assert village.code not in {e.code for e in (await queries.active_reference(w.uow))[0]}
    w.uow.published.clear()
    await w.bus.handle(c.UpdateVillage(village.code, active=False), actor)  # no change: no event
    assert w.uow.published == []
    with pytest.raises(NotFound):
        await w.bus.handle(c.UpdateVillage(TOWNSHIP[:9] + "998", name="无此村"), actor)


async def test_departments_are_added_renamed_and_named_by_rule(w: World) -> None:
    actor = await admin(w)
    with pytest.raises(InvalidInput) as refused:
        await w.bus.handle(c.AddDepartment("Bad Code", "某局"), actor)
    assert refused.value.rule == "pattern"
    await w.bus.handle(c.AddDepartment("sjj", "县数据局", "Data Bureau"), actor)
    renamed = await w.bus.handle(c.UpdateDepartment("sjj", name="县大数据中心"), actor)
    assert (renamed.name, renamed.name_en) == ("县大数据中心", "Data Bureau")
    assert [type(p) for p in w.uow.payloads()] == [contract.DepartmentAdded, contract.DepartmentChanged]
    assert {p.township_code for p in w.uow.payloads()} == {COUNTY}
    with pytest.raises(InvalidInput) as short:
        await w.bus.handle(c.UpdateDepartment("sjj", name="局"), actor)
    assert (short.value.field, short.value.rule) == ("name", "length")


async def test_lists_are_filtered_sorted_and_paged(w: World) -> None:
    actor = await admin(w)
    total, page = await queries.reference_page(w.uow, actor, VILLAGE, parent_code=TOWNSHIP, text=None, active=None,
                                               sort="name", descending=True, limit=2, offset=0)
    names = sorted((v.name for v in w.deps.county.township(TOWNSHIP).villages), reverse=True)  # type: ignore[union-attr]
    assert total == len(names) and [e.name for e in page] == names[:2]
    total, page = await queries.reference_page(w.uow, actor, DEPARTMENT, parent_code=None, text="信访", active=True,
                                               sort="code", descending=False, limit=10, offset=0)
    assert total >= 1 and all("信访" in e.name for e in page)
    with pytest.raises(InvalidInput) as refused:
        await queries.reference_page(w.uow, actor, DEPARTMENT, parent_code=None, text=None, active=None,
                                     sort="township_code", descending=False, limit=10, offset=0)
    assert (refused.value.field, refused.value.rule) == ("sort", "one_of")
