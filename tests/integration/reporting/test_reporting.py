"""Reporting on the real stack: contract events on the real topics → the ingest worker → read models →
the API, exactly once (duplicates, restarts, rewinds), poison to the dead-letter topic, exports, and a
replay that equals the live model and switches over under a running API."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
import openpyxl
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from devstack.stack import Stack
from minqing_contract import DEAD_LETTER, STREAMS, KafkaRecord
from minqing_kit.kafka_auth import KafkaConnection, client_options
from services.reporting.adapters.readmodel import ReadModel
from services.reporting.entrypoints.api import create_reporting_app
from services.reporting.entrypoints.replay import replay
from services.reporting.entrypoints.worker import running_worker
from services.reporting.settings import ReportingSettings
from tests.integration.conftest import asgi_client, bearer, eventually, read_topic

from .scenario import Scenario, build

SUPERVISOR = bearer("county_supervisor")
PARTITIONS = [TopicPartition(s.name, p) for s in STREAMS.values() for p in range(s.partitions)]


async def produce(bootstrap: KafkaConnection | str, records: list[KafkaRecord], raw: list[tuple[str, bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    producer = AIOKafkaProducer(**client_options(bootstrap), acks="all")
    await producer.start()
    try:
        for r in records:
            await producer.send(r.topic, value=r.value, key=r.key, headers=r.headers)
        for topic, key, value in raw:
            await producer.send(topic, value=value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def end_offsets(bootstrap: KafkaConnection | str) -> dict[tuple[str, int], int]:
    consumer = AIOKafkaConsumer(**client_options(bootstrap))
    await consumer.start()
    try:
        ends = await consumer.end_offsets(PARTITIONS)
    finally:
        await consumer.stop()
    return {(tp.topic, tp.partition): n for tp, n in ends.items()}


async def caught_up(pool: asyncpg.Pool, bootstrap: KafkaConnection | str) -> None:
    """Wait until the read models hold every message now on the topics."""
    ends = await end_offsets(bootstrap)

    async def done() -> bool:
        async with pool.acquire() as conn:
            got = await ReadModel().offsets(conn)
        return all(got.get(tp, 0) >= n for tp, n in ends.items() if n)
    await eventually(done, timeout=60, interval=0.2, message="reporting worker caught up with the topics")


async def rewind(bootstrap: KafkaConnection | str, group: str) -> None:
    """Commit offset 0 for the worker's group: the next start redelivers everything."""
    consumer = AIOKafkaConsumer(**client_options(bootstrap), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(PARTITIONS)
        await consumer.commit({tp: 0 for tp in PARTITIONS})
    finally:
        await consumer.stop()


def expect_figures(f: dict[str, Any]) -> None:
    def v(key: str, field: str = "value") -> Any:
        return f[key][field]
    assert (v("petitions_received"), v("petitions_received", "people")) == (3, 5)
    assert v("petitions_received", "by_channel") == {"online": 1, "visit": 2}
    assert v("petitions_open") == 2
    assert v("on_time_routing_rate") == 0.5
    assert v("on_time_acceptance_rate") == 1.0
    assert v("on_time_reply_rate") == 1.0
    assert (v("petitions_overdue_now"), v("petitions_overdue_now", "by_deadline")) == (1, {"route": 1})
    assert v("petition_satisfaction_rate") == 0.5
    assert v("repeat_rate") == 0.25
    assert (v("group_visits"), v("group_visits", "people")) == (1, 3)
    assert (v("inspections"), v("inspections", "findings")) == (1, 2)
    assert v("hazards_found", "by_level") == {"general": 1, "major": 1}
    assert (v("rectification_rate"), v("on_time_rectification_rate")) == (0.5, 1.0)
    assert (v("hazards_overdue_now"), v("major_hazards_supervised"), v("suspended_enterprises")) == (1, 1, 1)
    assert (v("penalties"), v("penalties", "amount")) == (1, 5000)
    assert (v("accidents"), v("accidents", "serious_injuries"), v("accidents", "direct_loss")) == (1, 1, 20000)
    assert v("late_accident_reports") == 1
    assert v("volunteer_requests") == 2
    assert (v("time_to_dispatch", "p50"), v("time_to_dispatch", "p90")) == (22.5, 28.5)  # 25 min, bucket 15–30
    assert (v("time_to_accept", "p50"), v("time_to_complete", "p50")) == (45.0, 90.0)
    assert (v("completion_rate"), v("escalation_rate")) == (0.5, 0.0)
    assert (v("volunteer_satisfaction"), v("volunteer_satisfaction", "average_stars")) == (1.0, 5.0)
    assert (v("volunteer_hours"), v("person_times"), v("active_teams")) == (1.5, 3, 1)
    assert (v("stationing_compliance"), v("stationing_compliance", "denominator"),
            v("stationing_compliance", "short_weeks")) == (0.5, 2, 1)
    assert (v("visit_coverage"), v("visit_coverage", "numerator"), v("visit_coverage", "denominator"),
            v("visit_coverage", "visits")) == (0.75, 3, 4, 4)
    assert (v("liaison_problems"), v("liaison_problems", "resolved_on_time"), v("liaison_problems", "on_time_rate"),
            v("liaison_problems", "by_category")) == (
        1, 1, 1.0, {"livelihood": {"raised": 1, "resolved": 1, "resolved_on_time": 1}})


async def figures(client: Any, s: Scenario) -> dict[str, Any]:
    r = await client.get("/api/figures", params={"township": s.township, "month": s.month}, headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    return r.json()["figures"]  # type: ignore[no-any-return]


async def test_four_domains_exactly_once_through_duplicates_restarts_and_poison(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int) -> None:
    settings, pool = env
    s = build(seed)
    half = len(s.records) // 2
    await produce(stack.kafka_admin, s.records[:half])
    app = create_reporting_app(clock=s.clock)
    async with asgi_client(app) as client:
        async with running_worker(settings):
            await caught_up(pool, stack.kafka_admin)
        # Stopped mid-stream. Everything again (the first half twice), the rest, and a poison message.
        poison = (STREAMS["safety"].name, b"poison", b"\x00 not a cloudevent " + uuid.uuid4().bytes)
        await produce(stack.kafka_admin, s.records + s.records[half:], [poison])
        async with running_worker(settings) as worker:
            await caught_up(pool, stack.kafka_admin)
            # The stats are counted right after each commit, so they may trail the tables by a moment.
            await eventually(lambda: _true(worker.stats.totals.duplicates >= len(s.records) - half),
                             message="redelivered first half counted as duplicates")
        expect_figures(await figures(client, s))

        # A crash after the commit but before Kafka heard of it (its committed offsets behind, here all
        # the way back): the worker starts from the offsets stored with the read models, and copies them
        # to Kafka again (lag monitoring).
        await rewind(stack.kafka_admin, settings.reporting_consumer)
        async with running_worker(settings) as worker:
            await caught_up(pool, stack.kafka_admin)
            async with pool.acquire() as conn:
                stored = await ReadModel().offsets(conn)
            await eventually(lambda: _equal(committed(stack.kafka_admin, settings.reporting_consumer), stored),
                             message="the stored offsets copied to Kafka")
            assert worker.stats.totals.applied == 0
        expect_figures(await figures(client, s))

        # The stored offsets lost too: the whole history is redelivered, and the claimed event ids stop it.
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM reporting.offsets")
        async with running_worker(settings) as worker:
            await caught_up(pool, stack.kafka_admin)
            await eventually(lambda: _true(worker.stats.batches > 0), message="redelivered batches seen")
            assert worker.stats.totals.applied == 0
        expect_figures(await figures(client, s))

        dead = await read_topic(stack.kafka_admin, DEAD_LETTER.name, at_least=1,
                                predicate=lambda r: dict(r.headers).get("dlq_consumer")
                                == settings.reporting_consumer.encode() and r.value == poison[2])
        assert dead[0].value == poison[2]
        assert dict(dead[0].headers)["dlq_reason"].startswith(b"not a CloudEvent")

        # Ranking, open lists and the dashboard read the same model.
        r = await client.get(f"/api/rankings/monthly/{s.month}", headers=SUPERVISOR)
        ranking = r.json()
        # Other scenarios' townships (other months, same session) may be ranked too: their households, paired
        # before this month's end and not visited in it, give them a visit coverage of 0.
        [row] = [x for x in ranking["rows"] if x["township"] == s.township]
        # 0.5 × 72.5 + 0.2 × 50 + 0.1 × 80 + 0.2 × 70 (liaison: 0.4 × 0.5 + 0.4 × 0.75 + 0.2 × 1)
        assert (row["township"], row["rank"], row["score"]) == (s.township, 1, 68.25)
        assert (row["petition"], row["safety"], row["volunteer"], row["liaison"]) == (72.5, 50.0, 80.0, 70.0)
        assert s.township in ranking["red_list"] and s.township not in ranking["black_list"]
        assert ranking["config"]["components"] == {"petition": 0.5, "safety": 0.2, "volunteer": 0.1, "liaison": 0.2}

        overdue = (await client.get("/api/overdue/hazards", params={"township": s.township},
                                    headers=SUPERVISOR)).json()["items"]
        assert [(o["township"], o["dimension"]) for o in overdue] == [(s.township, "major")]

        board = (await client.get("/api/dashboard", params={"township": s.township})).json()  # public in test
        assert board["scope"]["code"] == s.township
        assert board["month"]["petitions_received"] == 3 and board["month"]["on_time_reply_rate"] == 1.0
        assert board["today"]["petitions_overdue"] == 1 and board["today"]["hazards_open"] == 1
        assert sum(board["trend"]["petitions_received"]) == 3 and len(board["trend"]["days"]) == 30
        assert board["ranking"]["rows"][0]["township"] == s.township
        assert [o["key"].endswith(":route") for o in board["overdue"]["petitions"]] == [True]
        assert (board["liaison"]["stationing_compliance"], board["liaison"]["visit_coverage"]) == (0.5, 0.75)
        [mine] = [t for t in board["liaison"]["rows"] if t["code"] == s.township]
        assert (mine["cadre_weeks"], mine["short_weeks"], mine["households_paired"], mine["households_visited"],
                mine["problems_raised"], mine["problems_resolved_on_time"]) == (2, 1, 4, 3, 1, 1)

        # A township operator sees its own township only.
        other = bearer("township_operator", "990102001000")
        assert (await client.get("/api/figures", params={"township": s.township}, headers=other)).status_code == 403
        assert (await client.get("/api/figures")).status_code == 401


async def _true(value: bool) -> bool:
    return value


async def _equal(got: Awaitable[dict[tuple[str, int], int]], expected: dict[tuple[str, int], int]) -> bool:
    return await got == expected


async def committed(bootstrap: KafkaConnection | str, group: str) -> dict[tuple[str, int], int]:
    """The group's committed offsets in Kafka (partitions with one)."""
    consumer = AIOKafkaConsumer(**client_options(bootstrap), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        got = {(tp.topic, tp.partition): await consumer.committed(tp) for tp in PARTITIONS}
    finally:
        await consumer.stop()
    return {tp: n for tp, n in got.items() if n is not None and n > 0}


@asynccontextmanager
async def ingested_scenario(stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int,
                            month: int | None = None) -> AsyncIterator[tuple[Scenario, Any, Any]]:
    """The scenario's events on the topics and applied by a worker run (stopped again); yields the
    scenario, the reporting app and an API client over it (clock: the scenario's `clock`)."""
    settings, pool = env
    s = build(seed, month=month)
    await produce(stack.kafka_admin, s.records)
    app = create_reporting_app(clock=s.clock)
    async with asgi_client(app) as client:
        async with running_worker(settings):
            await caught_up(pool, stack.kafka_admin)
        yield s, app, client


async def test_exports_and_replay_equal_to_live_with_switch_over_under_a_running_api(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int) -> None:
    settings, pool = env
    async with ingested_scenario(stack, env, seed) as (s, _app, client):
        expect_figures(await figures(client, s))

        xlsx = await client.get(f"/api/exports/month/{s.month}.xlsx", headers=SUPERVISOR)
        assert xlsx.status_code == 200
        wb = openpyxl.load_workbook(io.BytesIO(xlsx.content))
        assert wb.sheetnames == ["信访", "安全生产", "志愿服务", "驻村联户", "排名"]
        rows = {r[0]: r for r in wb["信访"].iter_rows(min_row=3, values_only=True)}
        headers = [c.value for c in wb["信访"][2]]
        mine = dict(zip(headers, rows[s.township], strict=True))
        assert (mine["受理件数"], mine["按期转送交办率"], mine["重复信访率"]) == (3, 0.5, 0.25)
        safety = dict(zip([c.value for c in wb["安全生产"][2]],
                          {r[0]: r for r in wb["安全生产"].iter_rows(min_row=3, values_only=True)}[s.township],
                          strict=True))
        assert (safety["排查隐患数"], safety["罚款金额（元）"], safety["事故迟报"]) == (2, 5000, 1)
        liaison = dict(zip([c.value for c in wb["驻村联户"][2]],
                           {r[0]: r for r in wb["驻村联户"].iter_rows(min_row=3, values_only=True)}[s.township],
                           strict=True))
        assert (liaison["驻村在岗达标率"], liaison["走访覆盖率"], liaison["按期解决问题"]) == (0.5, 0.75, 1)
        ranking = list(wb["排名"].iter_rows(min_row=3, values_only=True))
        assert ranking[0][:4] == (1, s.township, s.township, 68.25) and ranking[0][-1] == "红榜"
        assert ranking[0][7] == 70.0  # 驻村联户

        text = (await client.get(f"/api/exports/month/{s.month}.csv", headers=SUPERVISOR)).content.decode("utf-8-sig")
        table = {r["乡镇代码"]: r for r in csv.DictReader(io.StringIO(text))}
        assert table[s.township]["信访·受理件数"] == "3"
        assert table[s.township]["志愿服务·办结率"] == "50.0%"
        assert table[s.township]["排名·总分"] == "68.25"
        assert table[s.township]["驻村联户·走访覆盖率"] == "75.0%"
        assert "990102000000" in table  # the county total row

        async with pool.acquire() as conn:
            live = await ReadModel().dump(conn)
        result = await replay(settings, batch=500, progress=False)
        assert result.events >= len(s.records)
        async with pool.acquire() as conn:
            rebuilt = await ReadModel().dump(conn)
            schemas = await conn.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'reporting%'")
        assert schemas == 1  # switched over, the old model dropped
        for table_name in live:
            assert rebuilt[table_name] == live[table_name], table_name
        expect_figures(await figures(client, s))  # the running API reads the new schema

        # The live worker continues after the replay: new events count once.
        more = build(seed + 1)
        await produce(stack.kafka_admin, more.records)
        async with running_worker(settings):
            await caught_up(pool, stack.kafka_admin)
        expect_figures(await figures(client, more))
        expect_figures(await figures(client, s))


class CountingPool:
    """The API's pool, counting the statements its reads send (to see they do not grow with townships)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.statements = 0

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        async with self.pool.acquire() as conn:
            yield _Counted(conn, self)


class _Counted:
    def __init__(self, conn: asyncpg.Connection, pool: CountingPool) -> None:
        self.conn, self.pool = conn, pool

    async def fetch(self, *args: Any) -> Any:
        self.pool.statements += 1
        return await self.conn.fetch(*args)

    async def fetchval(self, *args: Any) -> Any:
        self.pool.statements += 1
        return await self.conn.fetchval(*args)

    async def execute(self, *args: Any) -> Any:  # session settings, not reads
        return await self.conn.execute(*args)


async def test_day_ranges_equal_the_month_and_reads_are_a_few_statements(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int) -> None:
    async with ingested_scenario(stack, env, seed) as (s, app, client):
        # The scenario's events all fall within days 10..28 of its month. A range around the month reads the
        # month from the monthly roll-up and the edge days from the daily tables; most of the month, the
        # month minus its other days; a range inside it, daily rows only: all give the month's figures.
        first = s.t0.date().replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        for start, end in ((first - timedelta(days=3), last + timedelta(days=2)), (first + timedelta(days=1), last),
                           (first + timedelta(days=9), last - timedelta(days=1)),
                           (s.t0.date(), s.t0.date() + timedelta(days=18)), (first, last)):
            r = await client.get("/api/figures", params={"township": s.township, "start": start.isoformat(),
                                                         "end": end.isoformat()}, headers=SUPERVISOR)
            assert r.status_code == 200, r.text
            expect_figures(r.json()["figures"])
        county = await client.get("/api/figures", params={"month": s.month, "by_township": "true"}, headers=SUPERVISOR)
        [mine] = [t for t in county.json()["townships"] if t["code"] == s.township]
        expect_figures(mine["figures"])

        # However many townships there are: figures are five statements (counters, histograms, active teams,
        # open keys, households visited and paired), a ranking five (the period and the one before, each
        # counters and households, and how many days of the one before hold data: issue 18's comparison
        # guard), the dashboard eleven (issue 18: the two overdue lists became one case-lists statement;
        # added the comparison guard and this month's dispatch-time histogram; issue 15: households this
        # month and last).
        deps = app.state.deps
        counting = CountingPool(deps.pool)
        deps.pool = counting
        for path, statements in ((f"/api/figures?month={s.month}&by_township=true", 5),
                                 (f"/api/rankings/monthly/{s.month}", 5), (f"/api/rankings/quarterly/{_quarter(s)}", 5),
                                 ("/api/dashboard", 11)):
            counting.statements = 0
            deps.dashboard_cache.clear()
            assert (await client.get(path, headers=SUPERVISOR)).status_code == 200
            assert counting.statements == statements, path


@pytest.mark.parametrize("month", [2, 12], ids=["february", "december"])
async def test_this_month_on_the_dashboard_is_the_scenarios_month_at_the_calendars_edges(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int, month: int) -> None:
    # February is the shortest month (the clock 20 days after the 10th used to land in March: one CI
    # run in twelve failed); December's next month is in another year.
    async with ingested_scenario(stack, env, seed, month=month) as (s, _app, client):
        assert (s.t0.month, s.now.month, s.now.year) == (month, month, s.t0.year)
        expect_figures(await figures(client, s))
        board = (await client.get("/api/dashboard", params={"township": s.township})).json()
        assert board["month"]["petitions_received"] == 3 and board["month"]["on_time_reply_rate"] == 1.0
        assert board["today"]["petitions_overdue"] == 1 and board["today"]["hazards_open"] == 1
        assert sum(board["trend"]["petitions_received"]) == 3
        ranking = (await client.get(f"/api/rankings/monthly/{s.month}", headers=SUPERVISOR)).json()
        [row] = [x for x in ranking["rows"] if x["township"] == s.township]
        assert (row["rank"], row["score"]) == (1, 68.25)


def _quarter(s: Scenario) -> str:
    return f"{s.t0.year}-Q{(s.t0.month - 1) // 3 + 1}"
