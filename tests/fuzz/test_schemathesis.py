"""schemathesis over every service's OpenAPI, with all its checks, on the real PostgreSQL and Kafka.

For each operation: the schema's examples, the coverage phase (boundary and invalid values: huge
numbers, NUL, out-of-range dates, unknown enum members, missing fields) and a few generated cases,
positive and negative. A county administrator's token reaches every route; `ignored_auth` also sends
each request without it. Any failing check fails the operation's test — 5xx above all, but also a
status code, content type or body the OpenAPI document does not declare.

Every 5xx seen is also written to test-artifacts/fuzz-5xx-<service>.json (to count them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.petition.entrypoints import api as petition_api
from services.reporting.entrypoints import api as reporting_api
from services.safety.entrypoints import api as safety_api
from services.volunteer.entrypoints import api as volunteer_api

from .conftest import ADMIN, load_schema

SERVER_ERRORS: dict[str, list[dict[str, Any]]] = {}


def _app_fixture(service: str) -> Any:
    @pytest.fixture(scope="module")
    def app(served: Callable[[str], Any], artifacts_dir: Path) -> Iterator[Any]:
        SERVER_ERRORS[service] = []
        yield served(service)
        (artifacts_dir / f"fuzz-5xx-{service}.json").write_text(
            json.dumps(SERVER_ERRORS[service], ensure_ascii=False, indent=1))
    return app


petition_app = _app_fixture("petition")
safety_app = _app_fixture("safety")
volunteer_app = _app_fixture("volunteer")
reporting_app = _app_fixture("reporting")


def _run(service: str, case: Any, app: Any) -> None:
    response = case.call(headers=ADMIN, app=app)
    if response.status_code >= 500:
        SERVER_ERRORS[service].append({"operation": case.operation.label, "status": response.status_code,
                                       "path": case.formatted_path, "query": case.query,
                                       "body": repr(case.body)[:300], "response": response.text[:300]})
    case.validate_response(response, headers=ADMIN, transport_kwargs={"headers": ADMIN, "app": app})


@load_schema(petition_api.app).parametrize()
def test_petition_api(case: Any, petition_app: Any) -> None:
    _run("petition", case, petition_app)


@load_schema(safety_api.app).parametrize()
def test_safety_api(case: Any, safety_app: Any) -> None:
    _run("safety", case, safety_app)


@load_schema(volunteer_api.app).parametrize()
def test_volunteer_api(case: Any, volunteer_app: Any) -> None:
    _run("volunteer", case, volunteer_app)


@load_schema(reporting_api.app).parametrize()
def test_reporting_api(case: Any, reporting_app: Any) -> None:
    _run("reporting", case, reporting_app)
