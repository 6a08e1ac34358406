"""The write path's cost in database round trips, counted on the real PostgreSQL connection.

A registration runs in its own transaction: BEGIN, the statements counted here, COMMIT (the handler
runs joined to a transaction this test owns, so the logger sees exactly the handler's statements).
"""

from __future__ import annotations

from typing import Any

from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from services.petition.service_layer import commands as cmd

from .conftest import COUNTY, TOWNSHIP, VILLAGE, Petition

#: Statements of one registration besides BEGIN and COMMIT (was 11 with empty batches and a lock each).
MAX_STATEMENTS = 9


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
