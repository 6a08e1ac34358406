"""Reference data on the real stack: the county admin adds a village over HTTP; it is stored in
PostgreSQL, listed (sorted, paged) and offered by the public reference; the change leaves on Kafka as
`identity.village_added` with no personal data; others get 403, bad codes a 422 naming field and rule."""

from __future__ import annotations

import json
import random
import uuid

import pytest

from tests.integration.conftest import bearer, read_topic
from tests.integration.identity.test_identity_api import ZHONGZHUANG, World, world  # noqa: F401

pytestmark = pytest.mark.timeout(120)


async def test_the_county_admin_adds_a_village_that_forms_then_offer(world: World) -> None:  # noqa: F811
    admin_id = str(uuid.uuid4())
    admin = bearer("county_admin", sub=admin_id)
    code = f"{ZHONGZHUANG[:9]}{random.randint(900, 999)}"
    added = await world.identity.post("/reference/villages", headers=admin,
                                      json={"township_code": ZHONGZHUANG, "code": code, "name": "试点新村"})
    assert added.status_code == 201, added.text
    assert added.json() == {"code": code, "name": "试点新村", "township_code": ZHONGZHUANG,
                            "township_name": "忠庄镇", "active": True}

    public = (await world.identity.get("/reference")).json()  # no token: the forms' source
    [township] = [t for t in public["townships"] if t["code"] == ZHONGZHUANG]
    assert {"code": code, "name": "试点新村"} in township["villages"]
    assert any(d["code"] == "xfj" for d in public["departments"])  # the division file's baseline, seeded

    page = await world.identity.get("/reference/villages", headers=admin, params={
        "township": ZHONGZHUANG, "sort": "code", "order": "desc", "page_size": 2})
    assert page.status_code == 200, page.text
    assert page.json()["items"][0]["code"] == code and len(page.json()["items"]) == 2
    assert page.json()["total"] == len(township["villages"])

    retired = await world.identity.patch(f"/reference/villages/{code}", headers=admin, json={"active": False})
    assert retired.status_code == 200 and retired.json()["active"] is False
    public = (await world.identity.get("/reference")).json()
    assert all(v["code"] != code for t in public["townships"] for v in t["villages"])

    records = await read_topic(world.bootstrap, "minqing.identity.events", at_least=2, timeout=30,
                               predicate=lambda r: admin_id.encode() in r.value)
    assert [dict(r.headers)["ce_type"].decode() for r in records] == ["identity.village_added",
                                                                       "identity.village_changed"]
    assert records[0].key == code.encode()
    assert json.loads(records[0].value)["village_name"] == "试点新村"


async def test_reference_changes_are_county_admin_only_and_bad_codes_are_named(world: World) -> None:  # noqa: F811
    body = {"township_code": ZHONGZHUANG, "code": ZHONGZHUANG[:9] + "950", "name": "某村"}
    for role, township in (("township_operator", ZHONGZHUANG), ("county_supervisor", None)):
        headers = bearer(role, township=township) if township else bearer(role)
        assert (await world.identity.post("/reference/villages", headers=headers, json=body)).status_code == 403
        assert (await world.identity.get("/reference/departments", headers=headers)).status_code == 403
    admin = bearer("county_admin", sub=str(uuid.uuid4()))
    bad = await world.identity.post("/reference/villages", headers=admin, json={**body, "code": "990102102950"})
    assert bad.status_code == 422, bad.text
    assert (bad.json()["error"]["field"], bad.json()["error"]["rule"]) == ("code", "village_of_township")
    sort = await world.identity.get("/reference/departments", headers=admin, params={"sort": "population"})
    assert sort.status_code == 422 and sort.json()["error"]["field"] == "sort"
    taken = await world.identity.post("/reference/departments", headers=admin, json={"code": "xfj", "name": "信访局"})
    assert taken.status_code == 409
