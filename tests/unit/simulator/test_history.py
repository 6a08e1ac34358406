"""The history generator: determinism, validity, ordering, lifecycle consistency, volumes, no PII."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import chinese_calendar
import pytest

from minqing_contract import decode, encode, model_for
from minqing_contract.events.base import EventPayload
from simulator.history import SHANGHAI, accident_grade, events_for_benchmark, generate, is_workday
from simulator.produce import encoded, fast_encode

START = date(2026, 10, 1)  # includes the National Day holiday week


@pytest.fixture(scope="module")
def month() -> list[tuple[EventPayload, int]]:
    return list(generate(START, 30, seed=7))


def test_same_seed_same_events_other_seed_different() -> None:
    a = [(p.model_dump_json(), s) for p, s in generate(START, 5, seed=11)]
    b = [(p.model_dump_json(), s) for p, s in generate(START, 5, seed=11)]
    c = [(p.model_dump_json(), s) for p, s in generate(START, 5, seed=12)]
    assert a == b
    assert len(a) > 1000
    assert a != c


def test_every_payload_validates_and_round_trips(month: list[tuple[EventPayload, int]]) -> None:
    for payload, _ in month:
        model = model_for(payload.event_type)
        assert type(payload) is model
        assert model.model_validate_json(payload.model_dump_json()) == payload
        assert payload.occurred_at.utcoffset() == timedelta(hours=8)


def test_sequences_are_1_to_n_with_non_decreasing_time(month: list[tuple[EventPayload, int]]) -> None:
    seen: dict[tuple[str, str], list[tuple[int, object]]] = defaultdict(list)
    previous = None
    for payload, seq in month:
        seen[(payload.stream, payload.subject())].append((seq, payload.occurred_at))
        # globally bucketed by Asia/Shanghai day: days never go backwards
        day = payload.occurred_at.astimezone(SHANGHAI).date()
        assert previous is None or day >= previous
        previous = day
    assert len(seen) > 1000
    for key, items in seen.items():
        assert [s for s, _ in items] == list(range(1, len(items) + 1)), key
        times = [t for _, t in items]
        assert times == sorted(times), key


def test_all_within_window(month: list[tuple[EventPayload, int]]) -> None:
    days = {p.occurred_at.date() for p, _ in month}
    assert min(days) == START
    assert max(days) == START + timedelta(days=29)


def _by_aggregate(events: list[tuple[EventPayload, int]], stream: str) -> dict[str, list[EventPayload]]:
    out: dict[str, list[EventPayload]] = defaultdict(list)
    for p, _ in events:
        if p.stream == stream:
            out[p.subject()].append(p)
    return out


def test_petition_lifecycles_are_consistent(month: list[tuple[EventPayload, int]]) -> None:
    order = ["petition.registered", "petition.assigned", "petition.accepted", "petition.replied", "petition.closed"]
    kinds: Counter[str] = Counter()
    for matter_id, events in _by_aggregate(month, "petition").items():
        types = [e.event_type for e in events]
        if types[0] == "petition.repeat_linked":
            assert types == ["petition.repeat_linked"], matter_id
            continue
        assert types[0] == "petition.registered", (matter_id, types)
        assert types.count("petition.registered") == 1
        milestones = [t for t in types if t in order and t != "petition.assigned"]
        assert milestones == [t for t in order if t in milestones and t != "petition.assigned"], types
        for needed, before in (("petition.closed", "petition.replied"), ("petition.replied", "petition.accepted"),
                               ("petition.accepted", "petition.assigned"), ("petition.rated", "petition.replied")):
            if needed in types:
                assert before in types[: types.index(needed)], (needed, types)
        if "petition.returned" in types:  # re-routed after the objection
            assert types.count("petition.assigned") >= 2 or types[-1] == "petition.returned", types
        overdue = [(e.deadline, e.due_at) for e in events if e.event_type == "petition.overdue"]
        assert len(overdue) == len(set(overdue))
        for e in events:
            if e.event_type == "petition.overdue":
                assert e.occurred_at == e.due_at
        kinds.update(types)
    assert kinds["petition.overdue"] > 0
    assert kinds["petition.deadline_approaching"] > 0
    assert kinds["petition.returned"] > 0
    assert kinds["petition.closed"] > 0
    repeats = [p for p, _ in month if p.event_type == "petition.repeat_linked"]
    registered = {p.subject() for p, _ in month if p.event_type == "petition.registered"}
    assert repeats and all(str(p.repeat_of) in registered for p in repeats)  # type: ignore[attr-defined]
    groups = [p for p, _ in month if p.event_type == "petition.registered" and p.is_group_visit]  # type: ignore[attr-defined]
    assert groups and all(p.headcount >= 5 and len(p.petitioners) <= 5 for p in groups)  # type: ignore[attr-defined]


def test_safety_lifecycles_are_consistent(month: list[tuple[EventPayload, int]]) -> None:
    registered: set[str] = set()
    found: set[str] = set()
    suspended: dict[str, bool] = {}
    closed: set[str] = set()
    for p, _ in month:
        if p.stream != "safety":
            continue
        ent = p.subject()
        if p.event_type == "safety.enterprise_registered":
            registered.add(ent)
            continue
        assert ent in registered, p.event_type
        hazard = getattr(p, "hazard_id", None)
        if p.event_type == "safety.hazard_found":
            found.add(str(hazard))
        elif hazard is not None and p.event_type != "safety.penalty_imposed":
            assert str(hazard) in found, p.event_type
            assert str(hazard) not in closed, p.event_type
        if p.event_type == "safety.hazard_rectified":
            closed.add(str(hazard))
        if p.event_type == "safety.enterprise_suspended":
            assert not suspended.get(ent)
            suspended[ent] = True
        if p.event_type == "safety.enterprise_resumed":
            assert suspended.get(ent)
            suspended[ent] = False
        if p.event_type == "safety.penalty_imposed":
            limit = 100_000
            assert 0 < p.amount_yuan <= limit  # type: ignore[attr-defined]
        if p.event_type == "safety.accident_reported":
            assert p.grade == accident_grade(p.deaths, p.serious_injuries, p.direct_loss_yuan)  # type: ignore[attr-defined]
    assert found and closed and len(closed) < len(found) + 1


def test_accident_grades() -> None:
    assert accident_grade(0, 0, 0) == "ordinary"
    assert accident_grade(3, 0, 0) == "larger"
    assert accident_grade(0, 50, 0) == "major"
    assert accident_grade(0, 0, 100_000_000) == "especially_major"
    assert accident_grade(2, 9, 9_999_999) == "ordinary"


def test_volunteer_lifecycles_are_consistent(month: list[tuple[EventPayload, int]]) -> None:
    steps = {"volunteer.request_approved": "volunteer.request_submitted",
             "volunteer.request_dispatched": "volunteer.request_approved",
             "volunteer.service_started": "volunteer.request_accepted",
             "volunteer.service_completed": "volunteer.service_started",
             "volunteer.request_rated": "volunteer.service_completed"}
    teams = {p.subject() for p, _ in month if p.event_type == "volunteer.team_registered"}
    requests = 0
    for _rid, events in _by_aggregate(month, "volunteer").items():
        types = [e.event_type for e in events]
        if types[0] in ("volunteer.team_registered", "volunteer.activity_held", "volunteer.hours_recorded"):
            continue
        requests += 1
        assert types[0] == "volunteer.request_submitted", types
        for later, earlier in steps.items():
            if later in types:
                assert earlier in types[: types.index(later)], (later, types)
        for e in events:
            if hasattr(e, "team_id"):
                assert str(e.team_id) in teams
        done = [e for e in events if e.event_type == "volunteer.service_completed"]
        if done:
            hours = [p for p, _ in month if p.event_type == "volunteer.hours_recorded"
                     and p.source_id == done[0].request_id]  # type: ignore[attr-defined]
            assert len(hours) == done[0].volunteers  # type: ignore[attr-defined]
            assert sum(h.minutes for h in hours) == done[0].total_minutes  # type: ignore[attr-defined]
    assert requests > 500


def test_weekdays_busier_than_weekends_and_holidays(month: list[tuple[EventPayload, int]]) -> None:
    per_day = Counter(p.occurred_at.date() for p, _ in month if p.event_type == "petition.registered")
    work = [n for d, n in per_day.items() if chinese_calendar.is_workday(d)]
    off = [n for d, n in per_day.items() if not chinese_calendar.is_workday(d)]
    assert work and off
    assert sum(work) / len(work) > 1.3 * sum(off) / len(off)
    assert not is_workday(date(2026, 10, 1)) and is_workday(date(2026, 10, 9))


def test_petition_volume_per_day_realistic(month: list[tuple[EventPayload, int]]) -> None:
    per_day = Counter(p.occurred_at.date() for p, _ in month
                      if p.event_type in ("petition.registered", "petition.repeat_linked"))
    assert len(per_day) == 30
    assert all(60 <= n <= 200 for n in per_day.values()), sorted(per_day.values())
    assert 90 <= sum(per_day.values()) / 30 <= 150


def test_scale_scales_volume() -> None:
    small = sum(1 for p, _ in generate(START, 10, scale=0.25) if p.event_type == "petition.registered")
    full = sum(1 for p, _ in generate(START, 10, scale=1.0) if p.event_type == "petition.registered")
    assert 0.15 * full < small < 0.35 * full


def test_open_backlog_at_the_end(month: list[tuple[EventPayload, int]]) -> None:
    petitions = _by_aggregate(month, "petition")
    open_ = [m for m, ev in petitions.items() if ev[0].event_type == "petition.registered"
             and ev[-1].event_type != "petition.closed"]
    assert len(open_) > 0.5 * len(petitions)  # 60-day reply clock: most of a month's matters are still open


_CJK = re.compile(r"[\u3400-\u9fff]")
_PHONE = re.compile(rb"(?<![0-9a-fA-F])1[3-9]\d{9}(?![0-9a-fA-F])")
_ID18 = re.compile(rb"(?<![0-9a-fA-F])\d{17}[\dXx](?![0-9a-fA-F])")
_PII_FIELDS = re.compile(r"name|phone|mobile|id_card|id_number|address|content", re.I)


def _walk(obj: object, path: str = ""):  # type: ignore[no-untyped-def]
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v, path)
    else:
        yield path, obj


def test_no_personal_data_in_encoded_bytes(month: list[tuple[EventPayload, int]]) -> None:
    import json

    for _payload, record in encoded(month, seed=7):
        blobs = [record.key, record.value, *(v for _, v in record.headers)]
        for blob in blobs:
            assert not _PHONE.search(blob), blob
            assert not _ID18.search(blob), blob
        for field, value in _walk(json.loads(record.value)):
            # An enterprise's registered name (issue 18) is a company's public name, not personal data.
            assert field == "enterprise_name" or not _PII_FIELDS.search(field), field
            if isinstance(value, str) and field not in ("article", "enterprise_name"):  # legal basis, company name
                assert not _CJK.search(value), (field, value)
            if field in ("petitioners", "requester"):
                assert re.fullmatch(r"p_[a-z2-7]{26}", value)


def test_pii_checks_can_fail() -> None:
    assert _PHONE.search(b'{"x":"13812345678"}')
    assert _ID18.search(b'"11010519491231002X"')
    assert _CJK.search("张三")
    assert not _PHONE.search(b"990102001000")


def test_fast_encoder_matches_reference_encoder(month: list[tuple[EventPayload, int]]) -> None:
    seen: set[str] = set()
    import uuid

    for payload, seq in month:
        if payload.event_type in seen and len(seen) < 40:
            continue
        seen.add(payload.event_type)
        eid = uuid.uuid4()
        fast = fast_encode(payload, source=f"/minqing/{payload.stream}", event_id=eid, sequence=seq)
        ref = encode(payload, source=f"/minqing/{payload.stream}", event_id=eid, sequence=seq)
        assert fast == ref, payload.event_type
        event = decode(fast.key, fast.value, fast.headers)
        assert event.payload == payload and event.sequence == seq
    assert len(seen) >= 35


def test_events_for_benchmark_yields_exactly_n_with_distinct_rounds() -> None:
    items = list(events_for_benchmark(3000, seed=3))
    assert len(items) == 3000
    first_year = list(itertools.islice(generate(date(2025, 1, 1), 365, seed=3), 3000))
    assert [p for p, _ in items] == [p for p, _ in first_year]
