"""企业台账 list for the workbench: filter by township and industry, server-side paging and sorting."""

from __future__ import annotations

from datetime import timedelta

from .conftest import ADMIN, JINSHAN, QINGSHI, Safety


async def test_the_ledger_filters_pages_and_sorts_on_the_server(safety: Safety) -> None:
    for name in ("丙石材", "甲石材", "乙石材"):
        await safety.register(name=name)
        safety.clock.advance(timedelta(minutes=1))
    await safety.register(name="丁铸造", industry="foundry")
    safety.clock.advance(timedelta(minutes=1))
    await safety.register(name="戊石材", township=QINGSHI, headers=ADMIN)

    async def names(**params: object) -> tuple[int, list[str]]:
        r = await safety.client.get("/enterprises", params=params, headers=ADMIN)
        assert r.status_code == 200, r.text
        return r.json()["total"], [e["name"] for e in r.json()["items"]]

    assert await names(township_code=JINSHAN, industry="open_pit_quarry", sort="name", page_size=2) == (
        3, sorted(["丙石材", "甲石材", "乙石材"])[:2])
    assert await names(township_code=JINSHAN, industry="open_pit_quarry", sort="name", page_size=2, page=2) == (
        3, sorted(["丙石材", "甲石材", "乙石材"])[2:])
    assert await names(township_code=JINSHAN, sort="-registered_at", page_size=1) == (4, ["丁铸造"])
    assert await names(industry="open_pit_quarry", sort="-name") == (
        4, sorted(["丙石材", "甲石材", "乙石材", "戊石材"], reverse=True))
    r = await safety.client.get("/enterprises", params={"sort": "legal_representative"}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["error"]["field"] == "sort", r.text
