"""The live reference data: the division file merged with identity's public reference (no I/O but a fake)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from minqing_contract.divisions import County, load_county, merge_reference
from minqing_kit.reference import REFERENCE_FAILURES, ReferenceRefresher, refreshing


def reference_of(county: County, *, extra: dict[str, list[dict[str, Any]]] | None = None,
                 drop: frozenset[str] = frozenset(), rename: dict[str, str] | None = None,
                 departments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The shape of `GET /identity/reference?with_retired=true` for `county`, edited like the county admin
    would: `drop` retires (active=false)."""
    rename = rename or {}
    return {"county": {"code": county.code, "name": county.name},
            "townships": [{"code": t.code, "name": t.name,
                           "villages": [{"code": v.code, "name": rename.get(v.code, v.name),
                                         "active": v.code not in drop}
                                        for v in t.villages] + (extra or {}).get(t.code, [])}
                          for t in county.townships],
            "departments": departments if departments is not None
            else [{"code": d.code, "name": rename.get(d.code, d.name), "active": d.code not in drop}
                  for d in county.departments]}


FILE = load_county()
TOWNSHIP = FILE.townships[0]
OLD = TOWNSHIP.villages[0]
NEW_CODE = TOWNSHIP.code[:9] + "901"


def test_an_added_village_is_known_under_its_township_and_the_file_is_untouched() -> None:
    merged = merge_reference(FILE, reference_of(FILE, extra={TOWNSHIP.code: [{"code": NEW_CODE, "name": "新建村"}]}))
    found = merged.village(NEW_CODE)
    assert found is not None and found.name == "新建村" and found.township_code == TOWNSHIP.code
    assert merged.name_of(NEW_CODE) == "新建村" and not merged.is_retired(NEW_CODE)
    assert FILE.village(NEW_CODE) is None  # the floor stays as loaded
    assert merged.retired == frozenset()


def test_a_village_identity_retired_is_still_named_but_flagged() -> None:
    merged = merge_reference(FILE, reference_of(FILE, drop=frozenset({OLD.code})))
    assert merged.is_retired(OLD.code)
    assert merged.village(OLD.code) == OLD and merged.name_of(OLD.code) == OLD.name  # old matters keep it
    assert not merged.is_retired(TOWNSHIP.villages[1].code)


def test_renames_and_departments_merge() -> None:
    dept = FILE.departments[0]
    merged = merge_reference(FILE, reference_of(
        FILE, rename={OLD.code: "东关新社区"},
        departments=[{"code": dept.code, "name": dept.name, "active": False}, {"code": "xzj", "name": "新设局"}]))
    assert merged.name_of(OLD.code) == "东关新社区"
    assert merged.department("xzj") is not None and not merged.is_retired("xzj")
    assert merged.department(dept.code) is not None and merged.is_retired(dept.code)


def test_a_village_outside_its_township_or_malformed_is_ignored() -> None:
    other = FILE.townships[1]
    merged = merge_reference(FILE, reference_of(FILE, extra={TOWNSHIP.code: [
        {"code": other.code[:9] + "902", "name": "别处村"}, {"code": "x", "name": "坏"}, {"name": "无码"}]}))
    assert merged.village(other.code[:9] + "902") is None
    assert len(merged.villages) == len(FILE.villages)


def test_an_added_village_retired_later_keeps_its_name() -> None:
    retired = merge_reference(FILE, reference_of(
        FILE, extra={TOWNSHIP.code: [{"code": NEW_CODE, "name": "新建村", "active": False}]}))
    assert retired.name_of(NEW_CODE) == "新建村" and retired.is_retired(NEW_CODE)


def test_an_empty_reference_retires_nothing() -> None:
    empty = {"county": {}, "townships": [{"code": t.code, "villages": []} for t in FILE.townships], "departments": []}
    merged = merge_reference(FILE, empty)
    assert merged.retired == frozenset() and merged.villages == FILE.villages


def fake_identity(answers: list[Any]) -> httpx.AsyncClient:
    """An httpx client whose identity answers, in turn, each of `answers` (a dict, a status or an error)."""
    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, int):
            return httpx.Response(answer, text="down")
        return httpx.Response(200, json=answer)
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_the_refresher_updates_in_place_and_keeps_the_last_good_data_on_failure() -> None:
    county = FILE.copy()
    added = reference_of(FILE, extra={TOWNSHIP.code: [{"code": NEW_CODE, "name": "新建村"}]})
    client = fake_identity([added, 503, httpx.ConnectError("refused"), {"not": "reference"}])
    refresher = ReferenceRefresher(county, "http://identity/reference", 60, client=client)
    assert await refresher.refresh_once()
    assert county.village(NEW_CODE) is not None  # the same object every holder has
    before = REFERENCE_FAILURES._value.get()
    for _ in range(3):
        assert not await refresher.refresh_once()
    assert REFERENCE_FAILURES._value.get() == before + 3
    assert county.village(NEW_CODE) is not None  # the last good data stays


async def test_refreshing_never_blocks_start_up_and_stops_with_the_block() -> None:
    county = FILE.copy()
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200, json={})
    client = httpx.AsyncClient(transport=httpx.MockTransport(slow))
    async with asyncio.timeout(2):
        async with refreshing(county, "http://identity/reference", 0.01, client=client) as refresher:
            assert refresher is not None
        assert county.villages == FILE.villages
    async with refreshing(county, "", 1.0) as off:
        assert off is None


def test_copy_is_independent_of_the_cached_file() -> None:
    county = FILE.copy()
    county.replace_with(merge_reference(FILE, reference_of(FILE, drop=frozenset({OLD.code}))))
    assert county.is_retired(OLD.code) and not FILE.is_retired(OLD.code)
    assert county.township(TOWNSHIP.code) is not None


@pytest.mark.parametrize("code", [OLD.code])
def test_retirement_is_undone_when_identity_lists_it_again(code: str) -> None:
    refresher = ReferenceRefresher(FILE.copy(), "http://x", 1)
    refresher.apply(reference_of(FILE, drop=frozenset({code})))
    assert refresher.county.is_retired(code)
    refresher.apply(reference_of(FILE))
    assert not refresher.county.is_retired(code)
