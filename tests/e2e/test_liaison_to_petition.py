"""A visit's problem becomes exactly one petition matter, across services on the real broker.

liaison (API with its outbox relay) records a visit whose problem needs handling → `liaison.problem_raised`
on `minqing.liaison.events` → the petition worker's intake (the kit's idempotent consumer) registers a
民情走访 matter. The record is delivered twice more (the very same bytes produced again, once before and
once after the worker is stopped abruptly right after the matter appeared and started again with the same
consumer group): still one matter, one link, one processed event id, and the group has committed past
every copy. Bad events go to the dead-letter topic with the consumer's name. The raw bytes on the liaison
topic hold no household member's name, phone or ID number.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from devstack.stack import Stack
from minqing_contract import DEAD_LETTER, encode
from minqing_contract.events.liaison import LedgerCategory, ProblemRaised
from minqing_kit.clock import ManualClock
from minqing_kit.kafka_auth import client_options
from services.liaison.bootstrap import MIGRATIONS as LIAISON_MIGRATIONS
from services.liaison.entrypoints.api import create_liaison_app
from services.petition.bootstrap import MIGRATIONS as PETITION_MIGRATIONS
from services.petition.entrypoints import worker as petition_worker
from services.petition.settings import PetitionSettings
from tests.integration.conftest import DbFactory, asgi_client, bearer, eventually, read_topic, service_env

pytestmark = pytest.mark.timeout(240)

TOPIC = "minqing.liaison.events"
CONSUMER = "petition-liaison-intake"
ZHONGZHUANG, QINLE = "990102101000", "990102101201"
OPERATOR = bearer("township_operator", ZHONGZHUANG, sub="op-zhongzhuang")
CADRE = bearer("township_operator", ZHONGZHUANG, sub="cadre-wang")
#: A Wednesday no other test's history uses (the simulator's history test counts petition events of early
#: March 2026 by their time: this test's matter must not fall in that window).
NOW = datetime(2026, 6, 17, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HEAD, SPOUSE, PHONE = "赵铁柱", "钱秀兰", "13998765432"


@contextlib.asynccontextmanager
async def petition_worker_running(settings: PetitionSettings) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(petition_worker.main(stop, settings, clock=ManualClock(NOW)))
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()  # abrupt: no clean stop event, whatever the worker was doing
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, timeout=60)


async def test_a_visits_problem_becomes_exactly_one_matter_across_redelivery_and_restart(
        stack: Stack, topics: list[str], make_db: DbFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    liaison_dsn = await make_db(("liaison", LIAISON_MIGRATIONS))
    petition_dsn = await make_db(("petition", PETITION_MIGRATIONS))
    id_number = "9901021960" + f"{uuid.uuid4().int % 10**8:08d}"

    # --- liaison: a paired household, a visit with one problem to hand over and one settled ----------
    service_env(monkeypatch, stack, liaison_dsn, "liaison")
    async with asgi_client(create_liaison_app(clock=ManualClock(NOW))) as client:
        async def call(method: str, path: str, body: dict[str, Any], headers: dict[str, str] = OPERATOR,
                       expect: int = 200) -> Any:
            resp = await client.request(method, path, json=body, headers=headers)
            assert resp.status_code == expect, resp.text
            return resp.json()

        await call("PUT", "/cadres/me", {"township_code": ZHONGZHUANG, "name": "王干部", "work_phone": "0472-8000001"},
                   headers=CADRE)
        h = await call("POST", "/households", {"village_code": QINLE, "income_band": "below_4k", "members": [
            {"name": HEAD, "relation": "户主", "employment": "farming", "id_number": id_number, "phone": PHONE},
            {"name": SPOUSE, "relation": "配偶", "employment": "local_work"}]}, expect=201)
        await call("POST", f"/households/{h['id']}/pairing", {"cadre_id": "cadre-wang"})
        visit = await call("POST", f"/households/{h['id']}/visits", {
            "visited_on": "2026-06-17", "seen": f"{HEAD}家自来水停了", "said": f"{SPOUSE}说打过 {PHONE}",
            "problems": [{"category": "livelihood", "subcategory": "drinking_water",
                          "description": f"{HEAD}（{id_number}）家停水一周"},
                         {"category": "dispute", "subcategory": "neighbour_dispute", "description": "已调解",
                          "needs_handling": False}]}, headers=CADRE, expect=201)
        records = await read_topic(stack.kafka_admin, TOPIC, at_least=2, timeout=30,
                                   predicate=lambda r: r.key == visit["id"].encode())
    [raised] = [r for r in records if dict(r.headers)["ce_type"] == b"liaison.problem_raised"]
    for r in records:  # what petition (and anyone else) reads off the liaison topic
        raw = r.key + r.value + b"".join(v for _, v in r.headers)
        for secret in (HEAD, SPOUSE, PHONE, id_number, "王干部", "0472-8000001", "cadre-wang"):
            assert secret.encode() not in raw, secret

    # --- delivered twice: the very same record produced again before the worker starts --------------
    producer = AIOKafkaProducer(**client_options(stack.kafka_admin), acks="all")
    await producer.start()
    try:
        again = await producer.send_and_wait(TOPIC, raised.value, key=raised.key, headers=list(raised.headers))
        # Two bad events, with keys of their own: bytes that are no event, and a problem in a village
        # outside the county (well-formed, but no matter can be registered for it).
        poison_key, stray_key = uuid.uuid4(), uuid.uuid4()
        await producer.send_and_wait(TOPIC, b"\x00not json", key=str(poison_key).encode(),
                                     headers=[("ce_type", b"liaison.problem_raised")])
        stray = encode(ProblemRaised(
            township_code=ZHONGZHUANG, occurred_at=NOW, problem_id=uuid.uuid4(), visit_id=stray_key,
            household_id=uuid.uuid4(), household="p_" + "a" * 26, cadre="p_" + "b" * 26, village_code="990102101999",
            category=LedgerCategory.livelihood, subcategory="drinking_water", visited_on=date(2026, 6, 17),
            raised_at=NOW), source="/minqing/test")
        await producer.send_and_wait(TOPIC, stray.value, key=stray.key, headers=stray.headers)

        group = f"minqing-petition-liaison-intake-test-{uuid.uuid4().hex[:8]}"
        settings = PetitionSettings(database_url=petition_dsn, service="petition", liaison_intake_id=group,
                                    **stack.kafka_settings("petition"),  # the intake reads as petition
                                    watcher_interval_seconds=3600)
        pool = await asyncpg.create_pool(petition_dsn, min_size=1, max_size=2)
        try:
            async def links() -> list[asyncpg.Record]:
                return list(await pool.fetch("SELECT * FROM pet_field_visit_links WHERE visit_id = $1::uuid",
                                             visit["id"]))

            # --- first run: stopped abruptly as soon as the matter exists --------------------------------
            async with petition_worker_running(settings):
                await eventually(links, timeout=90, message="the problem registered as a matter")
            # --- a third copy while the worker is down, then the restart --------------------------------
            last = await producer.send_and_wait(TOPIC, raised.value, key=raised.key, headers=list(raised.headers))
            assert last.partition == again.partition == raised.partition
            async with petition_worker_running(settings):
                async def committed_past_every_copy() -> bool:
                    admin = AIOKafkaAdminClient(**client_options(stack.kafka_admin))
                    await admin.start()
                    try:
                        offsets = await admin.list_consumer_group_offsets(group)
                    finally:
                        await admin.close()
                    done = offsets.get(TopicPartition(TOPIC, raised.partition))
                    return done is not None and done.offset > last.offset
                await eventually(committed_past_every_copy, timeout=90, message="intake committed past the copies")

                # (other consumers of the liaison stream, e.g. reporting's, may dead-letter them too)
                dead = await read_topic(stack.kafka_admin, DEAD_LETTER.name, at_least=2, timeout=60,
                                        predicate=lambda r: r.key in (str(poison_key).encode(), stray.key)
                                        and dict(r.headers)["dlq_consumer"] == CONSUMER.encode())
            reasons = {d.key: dict(d.headers)["dlq_reason"].decode() for d in dead}
            assert "no village 990102101999" in reasons[stray.key] and "decode" not in reasons[stray.key], reasons
            assert "CloudEvent" in reasons[str(poison_key).encode()], reasons

            [link] = await links()
            matters = await pool.fetch("SELECT * FROM matters WHERE id = $1", link["matter_id"])
            assert len(matters) == 1
            m = matters[0]
            assert (m["channel"], m["category"], m["subcategory"], m["village_code"], m["status"]) == (
                "field_visit", "livelihood", "drinking_water", QINLE, "registered")
            # Other tests' problems share the topic and may become matters here too: count this household's.
            assert await pool.fetchval("SELECT count(DISTINCT matter_id) FROM petitioners WHERE pseudonym = $1",
                                       h["household"]) == 1
            event_id = dict(raised.headers)["ce_id"].decode()
            assert await pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1 AND event_id = $2",
                                       CONSUMER, uuid.UUID(event_id)) == 1
            assert str(link["event_id"]) == event_id and link["household"] == h["household"]
            assert await pool.fetchval("SELECT count(*) FROM outbox WHERE event_type = 'petition.registered'"
                                       " AND aggregate_id = $1", str(link["matter_id"])) == 1
        finally:
            await pool.close()
    finally:
        await producer.stop()
