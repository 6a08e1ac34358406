"""Logs never carry tokens (issue 12, finding 10): the query's `token=`, `Authorization` values, JWTs."""

from __future__ import annotations

import io
import logging

import pytest

from minqing_kit.auth import TokenSigner
from minqing_kit.logs import configure_logging, redact

JWT = TokenSigner.generate().mint("screen", "read_only", "990102000000")


@pytest.mark.parametrize("line", [
    f'127.0.0.1:5000 - "GET /api/stream?township=990102103000&token={JWT} HTTP/1.1" 200',
    f"headers={{'authorization': 'Bearer {JWT}'}}",
    f"Authorization: Bearer {JWT}",
    f"token={JWT}",
    f"verify failed for {JWT}",
])
def test_redact_masks_every_form(line: str) -> None:
    out = redact(line)
    assert JWT not in out and JWT.split(".")[1] not in out and "REDACTED" in out


def test_redact_keeps_what_is_not_a_secret() -> None:
    assert redact("GET /api/dashboard?township=990102103000") == "GET /api/dashboard?township=990102103000"


def test_uvicorn_access_log_and_our_records_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    from uvicorn.logging import AccessFormatter

    configure_logging("unit", "INFO", json=True)
    buffer = io.StringIO()
    root_handler = logging.getLogger().handlers[0]
    monkeypatch.setattr(root_handler, "stream", buffer)
    logging.getLogger("minqing.test").warning("rejected %s", f"Authorization: Bearer {JWT}")
    access = logging.getLogger("uvicorn.access")
    # An in-process uvicorn started by an earlier test may have left this logger disabled or quieter.
    monkeypatch.setattr(access, "disabled", False)
    level = access.level
    access.setLevel(logging.INFO)  # (setLevel, not the attribute: it also clears the logger's cache)
    sink = logging.StreamHandler(io.StringIO())
    sink.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    access.addHandler(sink)
    try:
        access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5123", "GET", f"/api/stream?token={JWT}", "1.1", 200)
    finally:
        access.removeHandler(sink)
        access.setLevel(level)
    access_line = sink.stream.getvalue()  # type: ignore[attr-defined]
    assert "/api/stream?token=[REDACTED]" in access_line and JWT not in access_line
    assert JWT not in buffer.getvalue() and "[REDACTED]" in buffer.getvalue()
