"""The edge mapping from domain events to contract events (no I/O): complete, ordered, free of PII."""

from __future__ import annotations

import inspect
from uuid import uuid4

from minqing_contract import decode, encode
from minqing_contract.events import volunteer as contract
from services.volunteer.adapters.contract_mapping import _MAPPERS, pending_events, team_registered
from services.volunteer.domain import events as ev
from services.volunteer.domain.enums import Level, Specialty, Urgency
from services.volunteer.domain.request import Request

from .factories import PSEUDONYM, TOWNSHIP, VILLAGE, at, span, team


def _flow() -> tuple[Request, list[ev.DomainEvent]]:
    village, town = team(Level.village), team(Level.township)
    v1, v2 = uuid4(), uuid4()
    req = Request.submit(id=uuid4(), category=Specialty.ecology, village_code=VILLAGE, description="张三家门口清理农膜",
                         urgency=Urgency.high, requester=PSEUDONYM, actor="op", now=at(0))
    req.approve(actor="op", now=at(1))
    req.auto_dispatch([village, town], {}, actor="system", now=at(2))
    req.escalate([village, town], {}, actor="system", now=at(40))
    req.redispatch("换队 (change team)", actor="admin", now=at(41), team=village)
    req.accept(village.id, actor="lead", now=at(42))
    req.start(actor="lead", now=at(50))
    req.complete([span(v1, 50, 110), span(v2, 55, 100)], actor="lead", now=at(120))
    req.rate(4, actor=PSEUDONYM, now=at(200), comment="李四很热心")
    return req, list(req.events)


def test_every_domain_event_type_has_a_mapping_decision() -> None:
    domain_types = {obj for _, obj in inspect.getmembers(ev, inspect.isclass)
                    if issubclass(obj, ev.DomainEvent) and obj not in (ev.DomainEvent, ev.RequestEvent)}
    assert domain_types == set(_MAPPERS)


def test_request_events_are_numbered_in_order_and_round_trip_the_contract() -> None:
    _, events = _flow()
    pending, version = pending_events(events, version=0)
    request_rows = [p for p in pending if p.sequence is not None]
    assert [p.sequence for p in request_rows] == list(range(1, len(request_rows) + 1)) and version == len(request_rows)
    assert [type(p.payload).__name__ for p in request_rows] == [
        "RequestSubmitted", "RequestApproved", "RequestDispatched", "RequestEscalated", "RequestDispatched",
        "RequestDispatched", "RequestAccepted", "ServiceStarted", "ServiceCompleted", "RequestRated"]
    assert sum(isinstance(p.payload, contract.HoursRecorded) for p in pending) == 2
    for p in pending:  # each one encodes and decodes as a valid contract event, without free text
        record = encode(p.payload, source="/minqing/volunteer", sequence=p.sequence)
        assert "张三" not in record.value.decode() and "李四" not in record.value.decode()
        assert "换队" not in record.value.decode()
        assert decode(record.key, record.value, record.headers).payload == p.payload
    done = next(p.payload for p in pending if isinstance(p.payload, contract.ServiceCompleted))
    assert (done.volunteers, done.total_minutes, done.township_code) == (2, 105, TOWNSHIP)
    escalated = next(p.payload for p in pending if isinstance(p.payload, contract.RequestEscalated))
    assert (escalated.from_level, escalated.to_level) == (contract.Level.village, contract.Level.township)


def test_numbering_continues_from_the_stored_version() -> None:
    _, events = _flow()
    pending, version = pending_events(events[-1:], version=41)
    assert [p.sequence for p in pending] == [42] and version == 42


def test_team_registered_carries_no_names() -> None:
    t = team(Level.county, specialties=(Specialty.medical, Specialty.ecology), name="某某服务队")
    payload = team_registered(t, "990102000000", at(0))
    assert payload.specialties == ["ecology", "medical"] and "某某" not in payload.model_dump_json()
