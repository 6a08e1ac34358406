"""Citizens' actions belong to citizens (issue 12, finding 6), on the real PostgreSQL and Kafka.

Before: every staff role read a matter's lookup code (list and detail) and the masked phone showed its
last 4 digits; a department handler rated its own reply "satisfied" through the public route. Now the
code is printed once on the receipt and stored as a keyed hash, staff views hide the phone's tail, and
guessing is locked per code (in PostgreSQL) and limited per client address, with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn

from services.petition.domain.intake import generate_lookup_code
from services.petition.domain.receipt_access import MAX_FAILURES
from services.petition.entrypoints.api import create_petition_app
from services.petition.service_layer.commands import SYSTEM, HashClearLookupCodes
from tests.integration.petition.conftest import (
    ADMIN,
    OPERATOR,
    READER,
    SUPERVISOR,
    Petition,
    handler,
    person,
)

pytestmark = pytest.mark.timeout(120)

RSJ = handler("rsj")
ASSIGN = {"department": "rsj", "mode": "assign", "signed_by": "u-leader"}


async def _replied(petition: Petition) -> tuple[str, str, str]:
    """A matter registered at the township desk, handled by rsj up to its reply: (id, code, phone tail)."""
    receipt = await petition.register(OPERATOR)
    mid, code = receipt["matter_id"], receipt["lookup_code"]
    await petition.post(mid, "assign", ADMIN, ASSIGN)
    await petition.post(mid, "accept", RSJ)
    petition.clock.advance(days=3)
    await petition.post(mid, "reply", RSJ, {"text": "已督促支付拖欠工资"})
    petition.clock.advance(days=1)
    return mid, code, person(1)["phone"][-4:]


async def test_a_handler_who_sees_the_matter_cannot_act_as_the_petitioner(petition: Petition) -> None:
    mid, code, tail = await _replied(petition)
    client = petition.client

    # No staff view carries the code or the phone's tail (handler, supervisor, read-only; list, detail, audit).
    for who in (RSJ, SUPERVISOR, READER):
        seen = []
        for path in ("/matters", f"/matters/{mid}", f"/matters/{mid}/audit"):
            r = await client.get(path, headers=who)
            assert r.status_code == 200, r.text
            seen.append(r.text)
        assert mid in seen[0], "the matter must be in the handler's list (it can see it)"
        assert code not in "".join(seen)
        detail = json.loads(seen[1])
        assert tail not in json.dumps(detail["petitioners"])
    # Nor the roles with personal data: the code is the person's, shown on the receipt only.
    for who in (ADMIN, OPERATOR):
        assert code not in (await client.get(f"/matters/{mid}", headers=who)).text
        assert code not in (await client.get("/matters", headers=who)).text
    # At rest: a keyed hash, never the code.
    row = (await petition.sql("SELECT * FROM matters WHERE id = $1::uuid", mid))[0]
    assert row["lookup_code"] is None and row["lookup_hash"] and code not in str(dict(row))

    # The handler cannot record the rating or a review through the staff routes...
    for path, body in (("rating", {"satisfaction": "satisfied"}), ("review", {"reason": "代为申请"})):
        r = await client.post(f"/matters/{mid}/{path}", json=body, headers=RSJ)
        assert r.status_code == 403, r.text
    # ...nor through the public ones with what it can see: the matter id is not a code, guesses miss.
    r = await client.post(f"/public/matters/{mid}/rating", json={"phone_tail": tail, "satisfaction": "satisfied"})
    assert r.status_code == 422
    rng = random.Random(12)
    for _ in range(3):
        guess = generate_lookup_code(rng.choice)
        r = await client.post(f"/public/matters/{guess}/rating", json={"phone_tail": tail, "satisfaction": "satisfied"})
        assert r.status_code == 404, r.text

    # The petitioner, with the receipt's code and the phone's last 4 digits, rates; the trail says so.
    rated = await client.post(f"/public/matters/{code}/rating",
                              json={"phone_tail": tail, "satisfaction": "dissatisfied"}, headers=RSJ)
    assert rated.status_code == 200, rated.text
    trail = (await client.get(f"/matters/{mid}/audit", headers=ADMIN)).json()
    rate = next(e for e in trail if e["action"] == "rate")
    assert rate["role"] == "petitioner" and rate["actor"].startswith("p_")
    matter = (await client.get(f"/matters/{mid}", headers=ADMIN)).json()
    assert matter["satisfaction"] == "dissatisfied"
    review = await client.post(f"/public/matters/{code}/review", json={"phone_tail": tail, "reason": "金额不对"})
    assert review.status_code == 200 and review.json()["status"] == "under_review"


async def test_guessing_the_phone_digits_locks_the_code_across_processes(petition: Petition) -> None:
    mid, code, tail = await _replied(petition)
    wrong = [f"{n:04d}" for n in range(10000) if f"{n:04d}" != tail]
    url = f"/public/matters/{code}/rating"
    for attempt in wrong[:MAX_FAILURES - 1]:
        r = await petition.client.post(url, json={"phone_tail": attempt, "satisfaction": "satisfied"})
        assert r.status_code == 404, r.text
    r = await petition.client.post(url, json={"phone_tail": wrong[MAX_FAILURES], "satisfaction": "satisfied"})
    assert r.status_code == 423, r.text
    assert r.json()["error"]["rule"] == "attempts_locked"
    assert 1700 <= int(r.headers["Retry-After"]) <= 1800

    # Another API process (a second app on the same database) sees the same lock, even for the right answer.
    async with _another_process(petition) as other:
        r = await other.post(url, json={"phone_tail": tail, "satisfaction": "satisfied"})
        assert r.status_code == 423, r.text
        assert int(r.headers["Retry-After"]) > 0
    stored = await petition.sql("SELECT failures, lockouts, locked_until FROM receipt_attempts WHERE matter_id = $1::uuid",
                                mid)
    assert stored[0]["lockouts"] == 1 and stored[0]["locked_until"] is not None
    assert (await petition.client.get(f"/matters/{mid}", headers=ADMIN)).json()["satisfaction"] is None

    # After the lock: the person answers right and the count is cleared.
    petition.clock.advance(minutes=31)
    r = await petition.client.post(url, json={"phone_tail": tail, "satisfaction": "basically_satisfied"})
    assert r.status_code == 200, r.text
    cleared = await petition.sql("SELECT failures, lockouts, locked_until FROM receipt_attempts WHERE matter_id = $1::uuid",
                                 mid)
    assert tuple(cleared[0]) == (0, 0, None)


async def test_one_client_guessing_codes_gets_429_with_retry_after(petition: Petition) -> None:
    rng = random.Random(5)
    statuses = []
    for _ in range(21):
        r = await petition.client.post(f"/public/matters/{generate_lookup_code(rng.choice)}/review",
                                       json={"phone_tail": "1234", "reason": "试"})
        statuses.append(r.status_code)
    assert statuses == [404] * 20 + [429]
    assert r.json()["error"]["rule"] == "failed_attempts"
    assert 3500 <= int(r.headers["Retry-After"]) <= 3600


async def test_codes_stored_in_clear_by_older_versions_are_hashed_at_start(petition: Petition) -> None:
    receipt = await petition.register(OPERATOR)
    mid, code = receipt["matter_id"], receipt["lookup_code"]
    await petition.sql("UPDATE matters SET lookup_code = $2, lookup_hash = NULL WHERE id = $1::uuid", mid, code)
    assert (await petition.client.get(f"/public/matters/{code}")).status_code == 404
    assert await petition.app.state.deps.bus.handle(HashClearLookupCodes(), SYSTEM) == 1
    row = (await petition.sql("SELECT lookup_code, lookup_hash FROM matters WHERE id = $1::uuid", mid))[0]
    assert row["lookup_code"] is None and row["lookup_hash"]
    r = await petition.client.get(f"/public/matters/{code}")
    assert r.status_code == 200 and r.json()["status"] == "registered"


async def test_x_forwarded_for_does_not_reset_the_limit_behind_uvicorn(petition: Petition) -> None:
    """Served by uvicorn as deployed: forwarded headers trusted only from the proxy's address (here
    10.9.9.9, not the test client), so a spoofed X-Forwarded-For per request still hits the limit."""
    app = create_petition_app(clock=petition.clock)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=True,
                                           forwarded_allow_ips="10.9.9.9", timeout_graceful_shutdown=1))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(60):
            while not server.started:
                assert not task.done(), "uvicorn stopped"
                await asyncio.sleep(0.05)
        statuses = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for i in range(31):
                r = await client.get("/public/matters/ABCD234567", headers={"X-Forwarded-For": f"203.0.113.{i}"})
                statuses.append(r.status_code)
        assert statuses == [404] * 30 + [429]
        assert int(r.headers["Retry-After"]) >= 1
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
        sock.close()


@asynccontextmanager
async def _another_process(petition: Petition) -> AsyncIterator[httpx.AsyncClient]:
    from tests.integration.conftest import asgi_client

    async with asgi_client(create_petition_app(clock=petition.clock)) as client:
        yield client
