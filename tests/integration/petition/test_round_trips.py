"""The write path's cost in database round trips, counted on the real PostgreSQL connection.

A registration runs in its own transaction: BEGIN, the statements counted here, COMMIT (the handler
runs joined to a transaction this test owns, so the logger sees exactly the handler's statements).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from services.petition.service_layer import commands as cmd

from .conftest import COUNTY, TOWNSHIP, VILLAGE, Petition, person

#: Statements of one registration besides BEGIN and COMMIT (was 11 with empty batches and a lock each, then 9).
MAX_STATEMENTS = 3


async def test_a_registration_costs_a_bounded_number_of_round_trips(petition: Petition) -> None:
    await petition.register()  # warm the calendar cache, as a running service has it
    service: Any = petition.app.state.deps
    statements: list[str] = []

    def log(record: Any) -> None:
        statements.append(" ".join(record.query.split()))

    command = cmd.RegisterMatter(
        channel="visit", kind="claim", category="dispute", subcategory="wage_arrears", township_code=TOWNSHIP,
        village_code=VILLAGE, content="工地拖欠三个月工资，要求支付",
        petitioners=[cmd.PetitionerInput("王五测", "13812349999"), cmd.PetitionerInput("赵六测", "13812349998")],
        headcount=2)
    async with petition.app.state.runtime.pool.acquire() as conn:
        async with conn.transaction():
            conn.add_query_logger(log)
            receipt = await service.bus.handle(
                command, Actor.person(Principal("u-officer", Role.COUNTY_ADMIN, COUNTY)), uow=service.uow().join(conn))
            conn.remove_query_logger(log)
    assert receipt.lookup_code
    print(f"registration: {len(statements)} statements + BEGIN/COMMIT")
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    assert sum("pg_advisory_xact_lock" in s for s in statements) == 1  # both people locked in one statement
    assert not any(s.startswith(("INSERT INTO handling_notes", "INSERT INTO supervisions")) for s in statements)


#: Round trips of a whole registration on its pooled connection: BEGIN, the statements, COMMIT, and
#: whatever the pool sends when the connection goes back (issue 16: at most 5; it was 11 + a reset).
MAX_ROUND_TRIPS = 5


class _CountingPool:
    """The runtime's pool, logging every query sent on each connection it lends, until the pool has
    taken the connection back (its reset on release included)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self.lendings: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    @contextlib.asynccontextmanager
    async def acquire(self, *, timeout: float | None = None) -> AsyncIterator[Any]:
        queries: list[str] = []

        def log(record: Any) -> None:
            queries.append(" ".join(record.query.split()))

        self.lendings.append(queries)
        held = self._pool.acquire(timeout=timeout)
        conn = await held.__aenter__()
        raw = conn._con  # the connection behind the pool's proxy, which is detached at release
        raw.add_query_logger(log)
        try:
            yield conn
        except BaseException as exc:
            await held.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        else:
            await held.__aexit__(None, None, None)
        finally:
            raw.remove_query_logger(log)


async def test_a_registration_through_the_api_costs_at_most_five_round_trips(
        petition: Petition, monkeypatch: pytest.MonkeyPatch) -> None:
    await petition.register()  # warm the statement and calendar caches, as a running service has them
    runtime = petition.app.state.runtime
    counting = _CountingPool(runtime.pool)
    monkeypatch.setattr(runtime, "pool", counting)
    body = await petition.register(petitioners=[person(1, rep=True), person(2)], headcount=2)
    assert body["lookup_code"]
    mine = [q for q in counting.lendings if any(s.startswith(("INSERT INTO matters", "WITH")) for s in q)]
    assert len(mine) == 1, counting.lendings
    queries = mine[0]
    print(f"registration: {len(queries)} round trips: {queries}")
    assert len(queries) <= MAX_ROUND_TRIPS, "\n".join(queries)
    # still one transaction around it all, and the outbox row written inside it
    assert queries[0].startswith("BEGIN") and queries[-1].startswith("COMMIT"), queries
    rows = await petition.sql("SELECT count(*) AS n FROM outbox WHERE aggregate_id = $1", body["matter_id"])
    assert rows[0]["n"] == 1
