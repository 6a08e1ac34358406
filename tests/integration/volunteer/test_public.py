"""The villagers' public routes (no token): 点单 for their village, following it, signing up as a volunteer."""

from __future__ import annotations

from tests.integration.volunteer.conftest import ADMIN, QINLE, ZHONGZHUANG, World

ORDER = {"category": "elderly_disabled", "village_code": QINLE, "description": "帮独居老人修理屋顶漏水",
         "urgency": "high", "requester_name": "赵大爷", "requester_phone": "13712345678"}
SIGN_UP = {"name": "陈思远", "phone": "13800001111", "id_number": "990102199203041234", "township_code": ZHONGZHUANG,
           "skills": ["medical", "culture"]}


async def test_a_villager_orders_without_an_account_and_follows_without_personal_data(world: World) -> None:
    w = world
    ref = (await w.client.get("/public/reference")).json()
    zz = next(t for t in ref["townships"] if t["code"] == ZHONGZHUANG)
    assert {"code": QINLE, "name": "勤乐村"} in zz["villages"]
    assert {"value": "elderly_disabled", "label": "助老助残"} in ref["specialties"]
    assert {"code": "rsj", "name": "县人力资源和社会保障局"} in ref["departments"]

    resp = await w.client.post("/public/requests", json=ORDER)
    assert resp.status_code == 201, resp.text
    order = resp.json()
    assert order["status"] == "submitted" and order["status_label"] and order["village_name"] == "勤乐村"
    followed = (await w.client.get(f"/public/requests/{order['id']}")).json()
    assert followed == order
    assert "13712345678" not in resp.text and "赵大爷" not in resp.text  # nothing personal comes back

    # The station sees it in its queue, with the villager's contact (staff only), and approves it;
    # the villager's page follows.
    detail = await w.get(f"/requests/{order['id']}")
    assert detail["requester_phone"] == "13712345678" and detail["audit"][0]["actor"] == "public:villager"
    await w.post(f"/requests/{order['id']}/approve")
    assert (await w.client.get(f"/public/requests/{order['id']}")).json()["status"] == "approved"


async def test_public_bad_input_names_field_and_rule_and_unknown_ids_are_404(world: World) -> None:
    w = world
    before = await w.counts()
    for body, field in (({**ORDER, "village_code": "990102101299"}, "village_code"),
                        ({**ORDER, "requester_phone": ""}, "requester_phone"),
                        ({**ORDER, "category": "astrology"}, "category")):
        resp = await w.client.post("/public/requests", json=body)
        assert resp.status_code == 422, resp.text
        assert resp.json()["error"]["field"].endswith(field), resp.text
    resp = await w.client.post("/public/volunteers", json={**SIGN_UP, "team_ids": [str(w.ids["t_qinle_eco"])]})
    assert resp.status_code == 422 and resp.json()["error"]["field"].endswith("team_ids"), resp.text
    assert await w.counts() == before
    resp = await w.client.get("/public/requests/00000000-0000-4000-8000-000000000000")
    assert resp.status_code == 404 and resp.json()["error"]["rule"] == "exists"
    # The staff routes still want a token.
    assert (await w.client.post("/requests", json=ORDER)).status_code == 401


async def test_signing_up_registers_a_volunteer_the_station_then_sees(world: World) -> None:
    w = world
    resp = await w.client.post("/public/volunteers", json=SIGN_UP)
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["township_name"] == "忠庄镇" and out["skills"] == ["culture", "medical"]
    assert "13800001111" not in resp.text and "陈思远" not in resp.text
    staff = await w.get(f"/volunteers/{out['id']}", headers=ADMIN)
    assert staff["name"] == "陈思远" and staff["team_ids"] == [] and staff["total_minutes"] == 0
