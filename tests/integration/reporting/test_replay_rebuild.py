"""The replay's summed rebuild (`ingest.Rebuild`) on the real broker and database: written in several
flushes it equals the live model row for row and counts a redelivered event once; when its sums cannot
be written (an event the projection or PostgreSQL refuses) it is redone batch by batch, where that
event alone is set aside."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest

from devstack.stack import Stack
from minqing_contract import KafkaRecord
from services.reporting.adapters.readmodel import ReadModel
from services.reporting.entrypoints.replay import replay
from services.reporting.entrypoints.worker import running_worker
from services.reporting.service_layer import ingest
from services.reporting.settings import ReportingSettings

from .scenario import build
from .test_reporting import caught_up, produce


def _ids(records: list[KafkaRecord]) -> list[uuid.UUID]:
    return [uuid.UUID(dict(r.headers)["ce_id"].decode()) for r in records]


async def test_a_rebuild_in_many_flushes_equals_the_live_model_and_counts_a_redelivered_event_once(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int) -> None:
    settings, pool = env
    s = build(seed)
    again = s.records[: len(s.records) // 2]  # redelivered: the same ids at later offsets
    await produce(stack.kafka_admin, s.records + again)
    async with running_worker(settings):
        await asyncio.wait_for(caught_up(pool, stack.kafka_admin), 120)
    async with pool.acquire() as conn:
        live = await ReadModel().dump(conn)

    # Batches of 7 and a flush every 5 events: every flush adds to rows an earlier one wrote.
    result = await asyncio.wait_for(replay(settings, batch=7, flush_every=5, progress=False), 300)

    assert not result.by_batch and result.totals.duplicates >= len(again)
    async with pool.acquire() as conn:
        rebuilt = await ReadModel().dump(conn)
        claimed = {r[0] for r in await conn.fetch("SELECT event_id FROM reporting.processed WHERE event_id = ANY($1)",
                                                  _ids(s.records))}
    assert claimed == set(_ids(s.records))
    for table in live:
        assert rebuilt[table] == live[table], table


async def test_a_rebuild_whose_sums_are_refused_is_redone_batch_by_batch_setting_the_culprit_aside(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, pool = env
    s = build(seed)
    await produce(stack.kafka_admin, s.records)
    culprit = _ids(s.records)[3]
    project_into = ingest.project_into

    def failing(agg: Any, event: Any) -> None:
        project_into(agg, event)  # part-added, then fails: the sums can no longer be trusted
        if event.id == culprit:
            raise ArithmeticError("a fault in the projection")

    monkeypatch.setattr(ingest, "project_into", failing)
    result = await asyncio.wait_for(replay(settings, batch=50, progress=False), 300)

    assert result.by_batch
    assert result.undecodable >= 1  # the culprit, counted as set aside (the live worker dead-letters it)
    async with pool.acquire() as conn:
        claimed = {r[0] for r in await conn.fetch("SELECT event_id FROM reporting.processed WHERE event_id = ANY($1)",
                                                  _ids(s.records))}
    assert claimed == set(_ids(s.records)) - {culprit}
