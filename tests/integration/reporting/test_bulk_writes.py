"""A bulk batch (from `readmodel.BULK_FROM` events: rows staged by binary COPY, then one upsert per table)
writes exactly the rows a small batch's arrays write, claims ids as once, and sets a refused event aside
the same way — the two write paths of `readmodel.Writer`, on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import asyncpg
import msgspec
import pytest

from minqing_contract import KafkaRecord
from minqing_kit.consumer import RawMessage
from minqing_kit.db import KIT_MIGRATIONS, apply_migrations
from services.reporting.adapters import readmodel
from services.reporting.adapters.readmodel import MIGRATIONS, ReadModel, rows_of
from services.reporting.service_layer.ingest import CountingSink, Prepared, _sum, commit, prepare
from services.reporting.settings import ReportingSettings

from .scenario import build


def _messages(records: list[KafkaRecord], first: int = 0) -> list[RawMessage]:
    return [RawMessage(r.topic, 0, first + i, r.key, r.value, list(r.headers)) for i, r in enumerate(records)]


async def test_bulk_and_small_batches_write_the_same_rows_and_claim_ids_once(
        env: tuple[ReportingSettings, asyncpg.Pool], seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _, pool = env
    await apply_migrations(pool, [("kit", KIT_MIGRATIONS), ("reporting", MIGRATIONS)])
    prepared = prepare(_messages(build(seed).records))
    assert len(prepared.decoded) > 20 and not prepared.rejected
    small, bulk = ReadModel(f"small_{uuid.uuid4().hex[:8]}"), ReadModel(f"bulk_{uuid.uuid4().hex[:8]}")
    async with pool.acquire() as conn:
        await small.create(conn)
        await bulk.create(conn)
    monkeypatch.setattr(readmodel, "BULK_FROM", 10**9)
    small_result = await asyncio.wait_for(commit(pool, small, prepared, CountingSink()), 60)
    monkeypatch.setattr(readmodel, "BULK_FROM", 1)
    bulk_result = await asyncio.wait_for(commit(pool, bulk, prepared, CountingSink()), 60)
    again = await asyncio.wait_for(commit(pool, bulk, prepared, CountingSink()), 60)

    assert small_result == bulk_result and bulk_result.applied == len(prepared.decoded)
    assert (again.applied, again.skipped) == (0, len(prepared.decoded))  # a redelivered batch changes nothing
    async with pool.acquire() as conn:
        small_rows, bulk_rows = await small.dump(conn), await bulk.dump(conn)
        staged = await conn.fetchval("SELECT count(*) FROM pg_class WHERE relname LIKE 'reporting_stage_%'")
        for model in (small, bulk):
            await model.drop(conn)
    assert bulk_rows == small_rows and bulk_rows["deltas"] and bulk_rows["marks"]
    assert staged > 0  # the bulk path did stage (temporary tables of its session)


async def test_a_bulk_batch_postgresql_refuses_is_bisected_down_to_its_culprit(
        env: tuple[ReportingSettings, asyncpg.Pool], seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _, pool = env
    await apply_migrations(pool, [("kit", KIT_MIGRATIONS), ("reporting", MIGRATIONS)])
    s = build(seed)
    registrations = [r for r in s.records if dict(r.headers)["ce_type"] == b"petition.registered"]
    records = [KafkaRecord(r.topic, r.key, r.value,
                           [(k, str(uuid.uuid4()).encode() if k == "ce_id" else v) for k, v in r.headers])
               for r in (registrations * 12)[:12]]
    good = prepare(_messages(records, 2000))
    decoded = [d._replace(payload=msgspec.structs.replace(d.payload, category="livelihood\u0000")) if i == 5 else d
               for i, d in enumerate(good.decoded)]  # a NUL in a delta's dimension: PostgreSQL refuses it
    prepared = Prepared([], decoded, good.ends, rows_of(_sum(decoded)), Counter(d.type for d in decoded))
    model = ReadModel(f"bulk_{uuid.uuid4().hex[:8]}")
    async with pool.acquire() as conn:
        await model.create(conn)
    monkeypatch.setattr(readmodel, "BULK_FROM", 1)
    sink = CountingSink()
    result = await asyncio.wait_for(commit(pool, model, prepared, sink), 60)
    assert (result.applied, result.dead_lettered) == (11, 1)
    assert sink.reasons == Counter({"data": 1})
    async with pool.acquire() as conn:
        claimed = await conn.fetchval(f"SELECT count(*) FROM {model.s}.processed")
        await model.drop(conn)
    assert claimed == 11
