"""Logs are one JSON object per line, with the service name and extra fields."""

from __future__ import annotations

import json
import logging

import pytest

from minqing_kit.logs import configure_logging


def test_json_lines_carry_service_and_extras(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("petition", "INFO")
        logging.getLogger("minqing.test").info("matter registered", extra={"matter_id": "m-1"})
        logging.getLogger("minqing.test").debug("hidden at INFO")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 1
    assert lines[0]["service"] == "petition" and lines[0]["level"] == "INFO"
    assert lines[0]["message"] == "matter registered" and lines[0]["matter_id"] == "m-1"


def test_each_http_request_of_a_client_is_not_a_line_at_info(capsys: pytest.CaptureFixture[str]) -> None:
    """The reference refresh asks identity every 30 s from every process: httpx's per-request INFO line
    would be most of an idle platform's log. Its warnings still show."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("petition", "INFO")
        logging.getLogger("httpx").info('HTTP Request: GET http://identity/reference "HTTP/1.1 200 OK"')
        logging.getLogger("httpx").warning("something the operator should see")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("httpx").setLevel(logging.NOTSET)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["message"] for line in lines] == ["something the operator should see"]
