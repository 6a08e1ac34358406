"""The service's one mapping module: every domain event becomes its contract payload, encodable."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from minqing_contract import decode, encode
from minqing_contract.events import safety as contract
from services.safety.adapters.clock import ManualClock
from services.safety.adapters.contract_mapping import _CONTRACT, to_contract
from services.safety.domain import events as ev
from services.safety.domain.accident import report_accident
from services.safety.domain.enums import HazardLevel
from services.safety.domain.penalty import impose_penalty
from services.safety.domain.plan import RectificationPlan

from .factories import CALENDAR, PLAN_TEXT, at, enterprise, hazard


def test_every_contract_event_is_mapped_once() -> None:
    assert {c.__name__ for c in _CONTRACT.values()} == {c.__name__ for c in contract.EVENTS}
    assert all(d.__name__ == c.__name__ for d, c in _CONTRACT.items())


def test_a_story_maps_to_payloads_that_survive_the_wire() -> None:
    ent = enterprise()
    hz = hazard(ent, HazardLevel.major, found=at(1), deadline=at(days=3))
    hz.submit_plan(RectificationPlan.from_parts(PLAN_TEXT), actor="e", now=at(2))
    hz.report_rectification(["done"], actor="e", now=at(3))
    hz.reinspect(False, actor="i", now=at(4))
    p = impose_penalty(id=uuid4(), enterprise=ent, hazard=hz, rule="art102_unit", amount_yuan=30_000,
                       decided_at=at(5), actor="b", now=at(5), calendar=CALENDAR)
    p.record_refusal(ent, actor="b", now=at(6))
    acc = report_accident(id=uuid4(), enterprise=ent, occurred_at=at(7), reported_at=at(7.5), deaths=1,
                          serious_injuries=0, direct_loss_yuan=0, actor="s", now=at(8))
    story: list[ev.DomainEvent] = [*hz.events, *p.events, *acc.events, *ent.events]
    for e in story:
        payload = to_contract(e)
        assert type(payload).__name__ == type(e).__name__
        assert str(payload.enterprise_id) == str(ent.id) and payload.township_code == ent.township_code
        record = encode(payload, source="/minqing/safety")
        assert record.key == str(ent.id).encode()
        assert decode(record.key, record.value, record.headers).payload == payload
    suspended = to_contract(next(e for e in ent.events if isinstance(e, ev.EnterpriseSuspended)))
    assert suspended.reason == "penalty_refusal"  # type: ignore[attr-defined]


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(at())
    assert clock() == at()
    assert clock.advance(timedelta(days=2)) == at(days=2) == clock()
    with pytest.raises(ValueError):
        ManualClock(at().replace(tzinfo=None))
