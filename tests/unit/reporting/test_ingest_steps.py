"""The ingest's two steps without I/O: `prepare` (decode, project, sum, lay out) and the `Pipeline`
that overlaps preparing batch N+1 with committing batch N (commits faked here; the real commit runs
against PostgreSQL in tests/integration/reporting)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from minqing_contract import KafkaRecord, encode
from minqing_contract.events import petition as pe
from minqing_kit.consumer import RawMessage
from services.reporting.adapters.readmodel import rows_of
from services.reporting.domain import metrics as m
from services.reporting.domain.aggregate import Aggregate
from services.reporting.domain.facts import Facts, Mark
from services.reporting.domain.projection import project
from services.reporting.service_layer import ingest
from services.reporting.service_layer.ingest import CountingSink, IngestResult, Pipeline, Prepared, prepare
from tests.factories import POISONS, poisoned

from .factories import T0, TOWNSHIP, at, matter, registered


def _record(payload: object) -> KafkaRecord:
    return encode(payload, source="/minqing/petition")  # type: ignore[arg-type]


def _raw(record: KafkaRecord) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    return record.key, record.value, list(record.headers)


def _message(payload: object, offset: int, partition: int = 0) -> RawMessage:
    record = encode(payload, source="/minqing/petition")  # type: ignore[arg-type]
    return RawMessage(record.topic, partition, offset, record.key, record.value, list(record.headers))


def test_prepare_decodes_projects_sums_and_sets_aside_what_does_not_decode() -> None:
    first = registered()
    routed = matter(pe.MatterAssigned, matter_id=first.matter_id, occurred_at=at(1), mode="assign",
                    assigned_at=at(1), route_due_at=at(15), acceptance_notice_due_at=at(30), objection_due_at=at(20))
    good = [_message(first, 10), _message(routed, 11)]
    poison = RawMessage(good[0].topic, 0, 12, b"k", b"{not json", list(good[0].headers))
    other_partition = _message(registered(), 3, partition=1)

    prepared = prepare([*good, poison, other_partition])

    assert [d.offset for d in prepared.decoded] == [10, 11, 3]
    assert prepared.decoded[0].id and prepared.decoded[0].type == "petition.registered"
    [(rejected, reason)] = prepared.rejected
    assert rejected.offset == 12 and "json" in reason.lower()
    assert prepared.ends == {(good[0].topic, 0): 13, (good[0].topic, 1): 4}  # past the poison too
    assert prepared.types == {"petition.registered": 2, "petition.assigned": 1}
    metric_column, count_column = prepared.rows.deltas[0], prepared.rows.deltas[5]
    assert count_column[metric_column.index(m.P_RECEIVED)] == 2  # same key: summed into one row
    assert m.P_ROUTED_ON_TIME in metric_column
    # The open matter marks are upserts; the routed matter's overdue-route clear is a close (delete).
    assert sorted(prepared.rows.opens[0]) == [m.P_OPEN, m.P_OPEN]
    assert sorted(zip(*prepared.rows.closes[:2], strict=True)) == [(m.P_DUE_SOON_OPEN, f"{first.matter_id}:route"),
                                                       (m.P_OVERDUE_OPEN, f"{first.matter_id}:route")]


def test_rows_split_opens_from_closes() -> None:
    # The rows come in any order: each statement takes them in primary-key order in SQL (the upserts
    # sort, the closes' DELETE locks its rows in key order).
    agg = Aggregate()
    later = T0 + timedelta(days=3)
    agg.add(Facts(marks=(Mark("b", "2", TOWNSHIP, None, "", later.date(), later, True),
                         Mark("a", "9", TOWNSHIP, "990102002201", "x", T0.date(), T0, False),
                         Mark("a", "1", TOWNSHIP, "990102002201", "x", later.date(), later, False))))
    agg.add(project(registered(occurred_at=later)))
    agg.add(project(registered(occurred_at=T0)))
    rows = rows_of(agg)
    per_day = Counter(rows.deltas[4])
    assert set(per_day) == {T0.date(), later.date()} and per_day[T0.date()] == per_day[later.date()]
    assert sum(rows.deltas[5]) == 2 * per_day[T0.date()]  # each (metric, dimension, day) row counts one event
    assert sorted(zip(*rows.closes, strict=True)) == [("a", "1", later), ("a", "9", T0)]
    assert rows.opens[0][0] == "b" and rows.opens[6][0] == later
    assert rows and not rows_of(Aggregate())


def _prepared(n: int) -> Prepared:
    return Prepared([], [], {("t", 0): n}, rows_of(Aggregate()), Counter())


async def test_pipeline_prepares_the_next_batch_while_the_previous_commits_and_commits_in_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[str] = []
    release = asyncio.Event()

    def fake_prepare(messages: list[RawMessage]) -> Prepared:
        assert threading.current_thread() is not threading.main_thread()  # off the event loop
        log.append(f"prepare {len(messages)}")
        return _prepared(len(messages))

    async def fake_commit(prepared: Prepared) -> IngestResult:
        n = prepared.ends[("t", 0)]
        log.append(f"commit {n} start")
        if n == 1:
            await release.wait()
        log.append(f"commit {n} end")
        return IngestResult(applied=n)

    acked: list[int] = []

    async def on_committed(result: IngestResult) -> None:
        acked.append(result.applied)

    monkeypatch.setattr(ingest, "prepare", fake_prepare)
    pipeline = Pipeline(fake_commit, CountingSink())
    one = [RawMessage("t", 0, 0, None, None, [])]
    assert await pipeline.submit(one, on_committed) is None
    second = asyncio.ensure_future(pipeline.submit(one * 2, on_committed))
    await asyncio.sleep(0.05)
    assert log == ["prepare 1", "commit 1 start", "prepare 2"]  # batch 2 prepared while 1 commits
    assert not second.done() and acked == []  # ...but its commit waits for batch 1's
    release.set()
    assert (await second).applied == 1  # submit returns the previous batch's result
    assert (await pipeline.drain()).applied == 2  # type: ignore[union-attr]
    assert log == ["prepare 1", "commit 1 start", "prepare 2", "commit 1 end", "commit 2 start", "commit 2 end"]
    assert acked == [1, 2]


async def test_a_failed_commit_surfaces_on_the_next_submit_and_nothing_after_it_commits(
        monkeypatch: pytest.MonkeyPatch) -> None:
    committed: list[int] = []

    async def failing_commit(prepared: Prepared) -> IngestResult:
        n = prepared.ends[("t", 0)]
        if n == 1:
            raise RuntimeError("database gone")
        committed.append(n)
        return IngestResult(applied=n)

    monkeypatch.setattr(ingest, "prepare", lambda messages: _prepared(len(messages)))
    pipeline = Pipeline(failing_commit, CountingSink())
    msg = RawMessage("t", 0, 0, None, None, [])
    await pipeline.submit([msg])
    with pytest.raises(RuntimeError, match="database gone"):
        await pipeline.submit([msg, msg])
    await pipeline.drain()
    assert committed == []


async def test_dead_letters_are_sent_once_per_batch_before_its_commit() -> None:
    sink = CountingSink()
    order: list[str] = []

    async def commit(prepared: Prepared) -> IngestResult:
        order.append(f"commit after {sum(sink.reasons.values())} dead letters")
        return IngestResult(dead_lettered=len(prepared.rejected))

    good = _message(registered(), 0)
    poison = RawMessage(good.topic, 0, 1, b"k", b"{not json", list(good.headers))
    pipeline = Pipeline(commit, sink)
    await pipeline.submit([good, poison])
    result = await pipeline.drain()
    assert result is not None and result.dead_lettered == 1
    assert sum(sink.reasons.values()) == 1 and order == ["commit after 1 dead letters"]


def test_prepare_sets_aside_each_poison_kind_with_its_reason_and_sums_only_the_good() -> None:
    good = [_message(registered(), offset) for offset in (0, 2, 4, 6)]
    bad = [RawMessage(good[0].topic, 0, offset, *_raw(poisoned(_record(registered()), POISONS[kind])))
           for offset, kind in zip((1, 3, 5), sorted(POISONS), strict=True)]
    prepared = prepare(sorted([*good, *bad], key=lambda m: m.offset))

    assert [d.offset for d in prepared.decoded] == [0, 2, 4, 6]
    reasons = {m.offset: reason for m, reason in prepared.rejected}
    assert sorted(reasons) == [1, 3, 5]
    for offset, kind in zip((1, 3, 5), sorted(POISONS), strict=True):
        [field] = POISONS[kind]
        assert reasons[offset].startswith(f"petition.registered payload fails its schema: {field}"), reasons[offset]
    assert prepared.ends == {(good[0].topic, 0): 7}
    metric_column, count_column = prepared.rows.deltas[0], prepared.rows.deltas[5]
    assert count_column[metric_column.index(m.P_RECEIVED)] == 4


@pytest.mark.parametrize("error", [OverflowError("date value out of range"), ArithmeticError("invalid operation"),
                                   KeyError("x"), RuntimeError("anything")])
def test_whatever_the_projection_raises_sets_that_event_aside_not_the_batch(
        monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    events = [registered(headcount=n) for n in (1, 2, 3)]
    doomed = events[1].matter_id
    real = ingest.project_into

    def project_into(agg: Aggregate, event: Any) -> None:
        real(agg, event)
        if event.payload.matter_id == doomed:
            # Fail half-way through summing: the aggregate must not keep part of this event.
            agg.add(Facts(deltas=(Broken(),)))  # type: ignore[arg-type]

    class Broken:
        metric, township, village, dimension, count = m.P_RECEIVED, TOWNSHIP, None, "", 1
        day = T0.date()

        @property
        def amount(self) -> float:
            raise error

    monkeypatch.setattr(ingest, "project_into", project_into)
    prepared = prepare([_message(e, i) for i, e in enumerate(events)])
    [(message, reason)] = prepared.rejected
    assert message.offset == 1 and reason.startswith("domain: reporting projection failed: ")
    assert [d.offset for d in prepared.decoded] == [0, 2]
    metric_column, count_column, amount_column = prepared.rows.deltas[0], prepared.rows.deltas[5], prepared.rows.deltas[6]
    i = metric_column.index(m.P_RECEIVED)
    assert (count_column[i], amount_column[i]) == (2, 4)  # headcounts 1 + 3: nothing of the failed event
