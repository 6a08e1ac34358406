"""The inputs that answered 500 (issue 12, findings 9 and 10), each now a 4xx naming field and rule.

Real PostgreSQL and Kafka behind each app (see conftest). Every case asserts the status, the field
and the rule of the kit's error body — and that nothing reached the database (the 500s were
PostgreSQL refusing NUL, int64/numeric overflow, and dates past year 9999).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from schemathesis.python import asgi as st_asgi

from .conftest import ADMIN

TOWNSHIP = "990102101000"
NOW = "2025-06-02T09:00:00+08:00"


@pytest.fixture(scope="module")
def client(served: Callable[[str], Any]) -> Iterator[Callable[[str], Any]]:
    """`client(service)` → a requests session speaking to that service's running app."""
    sessions: dict[str, Any] = {}

    def get(service: str) -> Any:
        if service not in sessions:
            sessions[service] = st_asgi.get_client(served(service)).__enter__()
            sessions[service].headers.update(ADMIN)
        return sessions[service]

    yield get
    for session in sessions.values():
        session.__exit__(None, None, None)


def refused(response: Any, status: int, field: str, rule: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    if rule is not None:
        assert error["rule"] == rule, error
    assert error["message"]
    return error  # type: ignore[no-any-return]


def accident(**overrides: Any) -> dict[str, Any]:
    return {"occurred_at": NOW, "reported_at": NOW, "deaths": 0, "serious_injuries": 0, "direct_loss_yuan": 0,
            **overrides}


def matter(**overrides: Any) -> dict[str, Any]:
    return {"channel": "visit", "kind": "claim", "category": "dispute", "subcategory": "wage_arrears",
            "township_code": TOWNSHIP, "content": "工地拖欠三个月工资", "headcount": 1, **overrides}


# ----- paging --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("service", "path", "param"), [
    ("petition", "/matters", "offset"), ("safety", "/enterprises", "page"), ("safety", "/hazards", "page"),
    ("volunteer", "/requests", "page"), ("volunteer", "/volunteers", "page"), ("volunteer", "/activities", "page")])
def test_huge_offset_or_page_is_refused(client: Any, service: str, path: str, param: str) -> None:
    refused(client(service).get(path, params={param: str(10**19)}), 422, param, "less_than_equal")
    assert client(service).get(path, params={param: "1"}).status_code == 200


# ----- NUL and control characters ------------------------------------------------------------------
@pytest.mark.parametrize(("service", "path", "param", "value"), [
    ("safety", "/hazards", "township_code", "99010210\x000"), ("safety", "/enterprises", "township_code", "\x00"),
    ("petition", "/matters", "township", "\x00"), ("volunteer", "/teams", "specialty", "eco\x00"),
    ("reporting", "/api/figures", "month", "2025-0\x001")])
def test_nul_in_a_query_parameter_is_refused(client: Any, service: str, path: str, param: str, value: str) -> None:
    response = client(service).get(path, params={param: value})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] in (param, "period")


@pytest.mark.parametrize(("service", "path", "body", "field"), [
    ("petition", "/matters", matter(content="诉求\x00内容"), "content"),
    ("petition", "/matters", matter(petitioners=[{"name": "王\x00五"}]), "petitioners.0.name"),
    ("safety", "/enterprises", {"name": "某\x00公司", "credit_code": "x", "township_code": TOWNSHIP,
                                "industry": "foundry", "size": "small"}, "name"),
    ("volunteer", "/requests", {"category": "ecology", "village_code": "990102101201", "description": "清理\x00河道",
                                "requester_name": "王五"}, "description"),
])
def test_nul_in_a_body_string_is_refused(client: Any, service: str, path: str, body: dict[str, Any],
                                         field: str) -> None:
    refused(client(service).post(path, json=body), 422, field, "string_pattern_mismatch")


# ----- numbers beyond int64 / numeric ---------------------------------------------------------------
@pytest.mark.parametrize(("field", "value"), [("deaths", 10**12), ("serious_injuries", 10**12),
                                              ("direct_loss_yuan", 10**30)])
def test_accident_counts_and_loss_have_ceilings(client: Any, field: str, value: int) -> None:
    path = f"/enterprises/{uuid.uuid4()}/accidents"
    refused(client("safety").post(path, json=accident(**{field: value})), 422, field, "less_than_equal")


def test_penalty_amount_has_a_ceiling(client: Any) -> None:
    body = {"enterprise_id": str(uuid.uuid4()), "article": "art102_unit", "amount_yuan": 10**30, "decided_at": NOW}
    refused(client("safety").post("/penalties", json=body), 422, "amount_yuan", "less_than_equal")


def test_record_minutes_and_year_9999_are_refused(client: Any) -> None:
    path = f"/volunteers/{uuid.uuid4()}/record-entries"
    entry = {"kind": "training", "at": NOW, "title": "急救培训", "recorded_by": "县文明办"}
    refused(client("volunteer").post(path, json={**entry, "minutes": 10**15}), 422, "minutes", "less_than_equal")
    refused(client("volunteer").post(path, json={**entry, "at": "9999-12-31T00:00:00+08:00"}), 422, "at",
            "value_error")
    refused(client("volunteer").post(path, json={**entry, "at": "0001-01-01T00:00:00+08:00"}), 422, "at")


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+00:00", "1700000000"])
def test_instants_outside_the_range_or_as_numbers_are_refused(client: Any, when: str) -> None:
    path = f"/enterprises/{uuid.uuid4()}/accidents"
    refused(client("safety").post(path, json=accident(occurred_at=when)), 422, "occurred_at")


# ----- reporting: years of figures, rankings, exports; start=0 ----------------------------------------
@pytest.mark.parametrize("path", [
    "/api/figures?month=9999-12", "/api/figures?month=0000-01", "/api/figures?quarter=9999-Q4",
    "/api/figures/petitions_received?quarter=0000-Q1", "/api/rankings/monthly/9999-12",
    "/api/rankings/monthly/0000-01", "/api/rankings/quarterly/9999-Q4", "/api/rankings/quarterly/0000-Q1",
    "/api/exports/month/9999-12.xlsx", "/api/exports/quarter/0000-Q1.csv"])
def test_report_years_outside_the_range_are_refused(client: Any, path: str) -> None:
    response = client("reporting").get(path)
    if response.status_code == 404:  # an unknown figure key answers first; the year is the point here
        pytest.fail(response.text)
    refused(response, 422, "period", "range")


@pytest.mark.parametrize(("params", "field"), [({"start": "0"}, "start"), ({"end": "0"}, "end"),
                                               ({"start": "1970-01-01"}, "start"), ({"end": "9999-12-31"}, "end")])
def test_report_days_must_be_iso_and_in_range(client: Any, params: dict[str, str], field: str) -> None:
    refused(client("reporting").get("/api/figures", params=params), 422, field, "value_error")
    assert client("reporting").get("/api/figures", params={"start": "2025-01-01",
                                                           "end": "2025-01-31"}).status_code == 200


# ----- unknown filter values -----------------------------------------------------------------------
@pytest.mark.parametrize(("service", "path", "param"), [
    ("safety", "/hazards", "status"), ("safety", "/hazards", "level"), ("safety", "/enterprises", "status"),
    ("volunteer", "/requests", "category"), ("volunteer", "/teams", "specialty"),
    ("petition", "/matters", "status")])
def test_unknown_filter_values_are_refused(client: Any, service: str, path: str, param: str) -> None:
    refused(client(service).get(path, params={param: "no-such-value"}), 422, param, "enum")


# ----- body size -----------------------------------------------------------------------------------
BIG = b'{"content": "' + b"x" * (2 * 1024 * 1024) + b'"}'


@pytest.mark.parametrize("service", ["petition", "safety", "volunteer", "reporting"])
def test_a_2_mb_body_is_refused_with_413(client: Any, service: str) -> None:
    path = {"petition": "/matters", "safety": "/enterprises", "volunteer": "/requests",
            "reporting": "/api/figures"}[service]
    announced = client(service).post(path, data=BIG, headers={"Content-Type": "application/json"})
    refused(announced, 413, "body", "max_bytes")  # refused from Content-Length, before any route runs

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap counts what arrives
        for start in range(0, len(BIG), 64 * 1024):
            yield BIG[start:start + 64 * 1024]

    if service != "reporting":  # reporting has no route that reads a body
        refused(client(service).post(path, data=chunks(), headers={"Content-Type": "application/json"}),
                413, "body", "max_bytes")


def test_a_body_under_the_cap_still_reaches_validation(client: Any) -> None:
    small = b'{"content": "' + b"x" * (512 * 1024) + b'"}'
    response = client("petition").post("/matters", data=small, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text  # the body is read and checked, not refused for size
