"""Intake on the real stack: receipt, pseudonymous events, encrypted and masked personal data, bad input."""

from __future__ import annotations

from typing import Any

from tests.integration.petition.conftest import (
    ADMIN,
    OPERATOR,
    OTHER_OPERATOR,
    OTHER_TOWNSHIP,
    READER,
    Petition,
    decoded,
    handler,
    matter_body,
    person,
)


async def test_registration_publishes_pseudonyms_and_keeps_personal_data_encrypted(petition: Petition) -> None:
    people = [person(1, rep=True), person(2, rep=True)]
    receipt = await petition.register(OPERATOR, petitioners=people, headcount=6)
    assert len(receipt["lookup_code"]) == 10 and receipt["repeat_of"] is None
    mid = receipt["matter_id"]

    records = await petition.events(mid, at_least=1)
    event = decoded(records)[0]
    assert event.type == "petition.registered" and event.source == "/minqing/petition"
    assert event.payload.headcount == 6 and event.payload.is_group_visit is True
    assert len(event.payload.petitioners) == 2
    assert all(p.startswith("p_") and len(p) == 28 for p in event.payload.petitioners)
    raw = b"".join(r.value + (r.key or b"") + b"".join(v for _, v in r.headers) for r in records)
    for p in people:
        for secret in (p["name"], p["phone"], p["id_number"]):
            assert secret.encode() not in raw, secret
    assert "拖欠".encode() not in raw  # the complaint text never leaves the service

    rows = await petition.sql("SELECT name_enc, phone_enc, id_number_enc FROM petitioners ORDER BY position")
    content = (await petition.sql("SELECT content_enc FROM matters"))[0]["content_enc"]
    assert "拖欠" not in content
    for row, p in zip(rows, people, strict=True):
        assert row["name_enc"] != p["name"] and p["name"] not in row["name_enc"]
        assert p["phone"] not in row["phone_enc"] and p["id_number"] not in row["id_number_enc"]

    clear = (await petition.client.get(f"/matters/{mid}", headers=OPERATOR)).json()
    assert clear["petitioners"][0]["name"] == people[0]["name"]
    assert clear["petitioners"][0]["id_number"] == people[0]["id_number"]
    masked = (await petition.client.get(f"/matters/{mid}", headers=READER)).json()
    assert masked["petitioners"][0]["name"] != people[0]["name"]
    # Staff without personal data never see the digits the person types to act on the receipt.
    assert masked["petitioners"][0]["phone"] == people[0]["phone"][:3] + "********"
    assert people[0]["id_number"] not in str(masked)

    await petition.post(mid, "assign", ADMIN, {"department": "rsj", "mode": "assign", "signed_by": "u-leader"})
    as_dept = (await petition.client.get(f"/matters/{mid}", headers=handler("rsj"))).json()
    assert as_dept["petitioners"][1]["name"].endswith("*") and as_dept["department"] == "rsj"


async def _refused(petition: Petition, body: dict[str, Any], field: str, rule: str | None = None,
                   status: int = 422) -> None:
    r = await petition.client.post("/matters", json=body, headers=ADMIN)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["field"] == field, error
    if rule:
        assert error["rule"] == rule, error


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(petition: Petition) -> None:
    six = [person(i, rep=True) for i in range(6)]
    await _refused(petition, matter_body(petitioners=six, headcount=30), "representatives", "max_5_representatives")
    good = person(1)["id_number"]
    bad_id = person(1) | {"id_number": good[:17] + ("1" if good[17] != "1" else "2")}
    await _refused(petition, matter_body(petitioners=[bad_id]), "petitioners.0.id_number", "id_number_checksum")
    await _refused(petition, matter_body(petitioners=[person(2), person(1) | {"phone": "1238888"}]),
                   "petitioners.1.phone", "mobile_number")
    body = matter_body()
    del body["content"]
    await _refused(petition, body, "content", "missing")
    await _refused(petition, matter_body(township_code="990102999000", village_code=None), "township_code",
                   "known_township")
    await _refused(petition, matter_body(subcategory="pollution"), "subcategory", "subcategory_of_category")
    await _refused(petition, matter_body(kind="accusation", accused_department="nope"), "accused_department",
                   "known_department")
    assert (await petition.sql("SELECT count(*) AS n FROM matters"))[0]["n"] == 0
    assert (await petition.sql("SELECT count(*) AS n FROM petitioners"))[0]["n"] == 0
    assert (await petition.sql("SELECT count(*) AS n FROM outbox"))[0]["n"] == 0


async def test_tokens_and_township_scope(petition: Petition) -> None:
    assert (await petition.client.post("/matters", json=matter_body())).status_code == 401
    assert (await petition.client.get("/matters")).status_code == 401
    r = await petition.client.post("/matters", json=matter_body(), headers=OTHER_OPERATOR)
    assert r.status_code == 403 and r.json()["error"]["field"] == "township"
    mid = (await petition.register(OPERATOR))["matter_id"]
    assert (await petition.client.get(f"/matters/{mid}", headers=OTHER_OPERATOR)).status_code == 403
    listed = (await petition.client.get("/matters", headers=OTHER_OPERATOR)).json()
    assert listed["total"] == 0
    assert (await petition.client.get("/matters", params={"township": "990102101000"},
                                      headers=OTHER_OPERATOR)).status_code == 403
    own = (await petition.client.get("/matters", headers=OPERATOR)).json()
    assert own["total"] == 1 and own["items"][0]["id"] == mid
    await _refused(petition, matter_body(township_code=OTHER_TOWNSHIP, village_code="990102101201"),
                   "village_code", "known_village")


async def test_repeat_of_an_open_matter_is_linked_not_counted(petition: Petition) -> None:
    first = await petition.register()
    again = await petition.register(channel="phone", content="还是工资的事")
    assert again["repeat_of"] == first["matter_id"]
    other = await petition.register(petitioners=[person(7)])
    assert other["repeat_of"] is None
    event = decoded(await petition.events(again["matter_id"], at_least=1))[0]
    assert event.type == "petition.repeat_linked" and str(event.payload.repeat_of) == first["matter_id"]
    page = (await petition.client.get("/matters", params={"status": "registered", "limit": 1},
                                      headers=ADMIN)).json()
    assert page["total"] == 2 and len(page["items"]) == 1


async def test_same_person_with_another_classification_is_not_a_repeat(petition: Petition) -> None:
    """The repeat lookup fetches every matter of the person and compares the classification in the
    adapter (not in SQL): another subcategory, or the same subcategory later, must still be told apart."""
    first = await petition.register(petitioners=[person(11)])
    land = await petition.register(petitioners=[person(11)], subcategory="land_dispute", content="宅基地界址纠纷")
    assert land["repeat_of"] is None
    again = await petition.register(petitioners=[person(11)], content="工资还没有发")
    assert again["repeat_of"] == first["matter_id"]
    land_again = await petition.register(petitioners=[person(11)], subcategory="land_dispute", content="界址的事")
    assert land_again["repeat_of"] == land["matter_id"]
    # several petitioners (the lookup's array form): one person in common is enough
    together = await petition.register(petitioners=[person(12), person(11)], headcount=2, content="一起来反映工资")
    assert together["repeat_of"] == first["matter_id"]
