"""The fast codec (minqing_contract.codec) is the same contract as the SDK-based reference (envelope):

- `encode` gives byte for byte the SDK's record on every event type (several value shapes each);
- `decode` gives the same `Event` as the reference, through the fast path (no fallback) for every
  valid event;
- field by field on every event type, values at and beyond every bound: whatever the fast path accepts
  pydantic accepts with equal values; for well-typed values the two verdicts are the same (so the
  generated structs have not drifted from the models); and every refusal carries the reference's reason;
- a constraint the generator does not know fails loudly instead of being dropped.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import msgspec
import pytest
from pydantic import AfterValidator, ConfigDict, Field, ValidationError

from minqing_contract import EVENT_TYPES, DecodeError, Event, codec, decode, encode
from minqing_contract.bounds import EARLIEST, LATEST, MAX_ITEMS
from minqing_contract.events.base import EventPayload

CST = timezone(timedelta(hours=8))
_ALTERNATIVES = re.compile(r"^\^\(([a-z_|]+)\)\$$")


# ----- a valid value for every field, from the published JSON Schema --------------------------------------
def _value(prop: dict[str, Any], defs: dict[str, Any], variant: int) -> Any:
    if "$ref" in prop:
        return defs[prop["$ref"].rsplit("/", 1)[-1]]["enum"][variant % 2]
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        return None if variant == 1 else _value(options[0], defs, variant)
    kind = prop.get("type")
    if kind == "boolean":
        return variant == 0
    if kind == "integer":
        low, high = prop.get("minimum", 0), prop.get("maximum", 10)
        return high if variant == 2 else min(high, max(low, 3))
    if kind == "array":
        return [_value(prop["items"], defs, variant)] * (variant + 1)
    if prop.get("format") == "uuid":
        return str(uuid.uuid4())
    if prop.get("format") == "date":
        return ["2026-03-02", "2000-01-01", "2100-12-31"][variant]
    if prop.get("format") == "date-time":
        return ["2026-03-02T09:15:00.123456+08:00", "2025-12-31T16:00:00Z", LATEST.isoformat()][variant]
    pattern = prop["pattern"]
    if prop.get("examples"):
        return prop["examples"][0]
    if m := _ALTERNATIVES.match(pattern):
        return m.group(1).split("|")[variant % len(m.group(1).split("|"))]
    return ["民情 label", "wage_arrears", "民" * prop.get("maxLength", 100)][variant]


def samples(model: type[EventPayload]) -> Iterator[EventPayload]:
    schema = model.model_json_schema()
    for variant in range(3):
        data = {name: _value(prop, schema.get("$defs", {}), variant) for name, prop in schema["properties"].items()}
        yield model.model_validate(data)


ALL = [(t, s) for t, m in EVENT_TYPES.items() for s in samples(m)]


def test_every_event_type_has_samples() -> None:
    assert {t for t, _ in ALL} == set(EVENT_TYPES) and len(ALL) == 3 * len(EVENT_TYPES)


@pytest.mark.parametrize("sequence", [None, 42])
def test_encode_is_byte_for_byte_the_cloudevents_sdk(sequence: int | None) -> None:
    for event_type, payload in ALL:
        event_id = uuid.uuid4()
        fast = codec.encode(payload, source=f"/minqing/{payload.stream}", event_id=event_id, sequence=sequence)
        reference = encode(payload, source=f"/minqing/{payload.stream}", event_id=event_id, sequence=sequence)
        assert fast == reference, event_type
        assert fast.value == reference.value and fast.headers == reference.headers  # bytes and order


def test_decode_equals_the_reference_through_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [encode(p, source="/minqing/test", sequence=i) for i, (_, p) in enumerate(ALL)]
    expected = [decode(r.key, r.value, r.headers) for r in records]

    def no_fallback(*args: Any) -> Event:
        raise AssertionError("a valid current event fell back to the reference")

    monkeypatch.setattr(codec, "reference_decode", no_fallback)
    for record, reference in zip(records, expected, strict=True):
        event = codec.decode(record.key, record.value, record.headers)
        assert event == reference
        assert type(event.payload) is type(reference.payload)
        for name, value in reference.payload.__dict__.items():  # same Python types too (enum members, UUIDs)
            assert type(event.payload.__dict__[name]) is type(value), name
            assert event.payload.__dict__[name] == value, name
        assert list(event.payload.__dict__) == list(reference.payload.__dict__)
        assert event.payload.model_dump_json() == reference.payload.model_dump_json()
        with pytest.raises(ValidationError):  # still the frozen pydantic model
            event.payload.township_code = "990102001000"  # type: ignore[misc]


def test_decode_slim_gives_the_reference_payload_as_the_validated_struct(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [encode(p, source="/minqing/test", sequence=i) for i, (_, p) in enumerate(ALL)]
    expected = [decode(r.key, r.value, r.headers) for r in records]

    def no_fallback(*args: Any) -> Event:
        raise AssertionError("a valid current event fell back to the reference")

    monkeypatch.setattr(codec, "reference_decode", no_fallback)
    for record, reference in zip(records, expected, strict=True):
        slim = codec.decode_slim(record.key, record.value, record.headers)
        assert (slim.id, slim.type) == (reference.id, reference.type)
        assert isinstance(slim.payload, codec.fast_struct(type(reference.payload)))
        assert codec.model_of(slim.payload) is type(reference.payload) is codec.model_of(reference.payload)
        fields = msgspec.structs.asdict(slim.payload)
        assert list(fields) == list(reference.payload.__dict__)
        for name, value in reference.payload.__dict__.items():  # same values and Python types
            assert type(fields[name]) is type(value) and fields[name] == value, name
        assert slim.payload.subject() == reference.payload.subject() and slim.payload.stream == reference.payload.stream


def test_control_characters_are_judged_as_the_reference_does_on_every_text_field() -> None:
    """The fast decoders check the control-character patterns only when a value holds a backslash (an
    escape) or a raw DEL (JSON carries no other control character raw): every text field of every event
    type, with each kind of control character, escaped or raw, is judged as the reference judges it."""
    judged = refused = 0
    for event_type in sorted(EVENT_TYPES):
        payload = next(samples(EVENT_TYPES[event_type]))
        record = encode(payload, source="/minqing/test")
        value = json.loads(record.value)
        for name, original in value.items():
            if not isinstance(original, str) or name.endswith(("_at", "_id", "_on", "_start", "_date")):
                continue
            for bad in ("ab\x00c", "ab\x1bc", "ab\nc", "ab\tc", "ab\x7fc", "ab\\c", 'ab"c'):
                for ensure_ascii in (True, False):  # "\u007f" escaped, or the DEL byte raw
                    raw = json.dumps({**value, name: bad}, ensure_ascii=ensure_ascii).encode()
                    try:
                        expected: Any = decode(record.key, raw, record.headers).payload.model_dump()
                    except DecodeError as exc:
                        expected = exc.reason
                    try:
                        slim = codec.decode_slim(record.key, raw, record.headers).payload
                        fast: Any = EVENT_TYPES[event_type].model_validate(
                            msgspec.structs.asdict(slim) if isinstance(slim, msgspec.Struct) else slim.__dict__
                        ).model_dump()
                    except DecodeError as exc:
                        fast = exc.reason
                    try:
                        full: Any = codec.decode(record.key, raw, record.headers).payload.model_dump()
                    except DecodeError as exc:
                        full = exc.reason
                    assert fast == expected == full, (event_type, name, bad, ensure_ascii)
                    judged += 1
                    refused += isinstance(expected, str)
    assert judged > 1000 and 0 < refused < judged  # both verdicts were reached


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES)[:6])
def test_decode_slim_refuses_what_decode_refuses_with_the_same_reason(event_type: str) -> None:
    payload = next(samples(EVENT_TYPES[event_type]))
    record = encode(payload, source="/minqing/test")
    value, headers = json.loads(record.value), dict(record.headers)
    cases = [(json.dumps({**value, name: bad}).encode(), record.headers)
             for name in value for bad in ("\x00", 10**40, "9999-12-31T23:00:00+00:00", [None])]
    cases += [(record.value, list({**headers, **changed}.items()))
              for changed in ({"ce_specversion": b"0.3"}, {"ce_dataschema": b"https://example/v9.json"},
                              {"ce_id": b"not-a-uuid"}, {"ce_time": b"yesterday"}, {"ce_type": b"petition.nope"},
                              {"ce_source": b"\xff"}, {"ce_sequence": b"x"}, {"ce_subject": b"\xff"})]
    cases += [(None, record.headers), (b"{not json", record.headers)]
    for raw, hs in cases:
        try:
            reference: tuple[Any, ...] | str = (lambda e: (e.id, e.type, e.payload))(decode(record.key, raw, hs))
        except DecodeError as exc:
            reference = exc.reason
        try:
            slim = codec.decode_slim(record.key, raw, hs)
            fast: tuple[Any, ...] | str = (slim.id, slim.type, msgspec.structs.asdict(slim.payload)
                                           if isinstance(slim.payload, msgspec.Struct) else slim.payload)
        except DecodeError as exc:
            fast = exc.reason
        if isinstance(reference, tuple) and isinstance(fast, tuple):
            fast = (fast[0], fast[1], reference[2] if fast[2] == dict(reference[2].__dict__) else fast[2])
        assert fast == reference, (raw, hs)


# ----- field by field: the generated structs enforce exactly the models' rules ------------------------------
_TEXT_PROBES = ["", "a", "a\n", "a\t", "a\r\nb", "\x00", "a\x1b", "\x7f", "\x80", "x" * 100, "x" * 101, "民" * 100,
                "民" * 101, "٩٩٠١٠٢٠٠٢٠٠٠", "990102002000", "99010200200", "990102002000\n",
                "p_" + "a" * 26, "p_" + "a" * 26 + "\n", "p_" + "A" * 26, "P_" + "a" * 26,
                "transfer", "upheld", "unit", "routine", "request", "operating", "low", "Transfer", "transfer "]
_INT_PROBES = [-1, 0, 1, 5, 6, 30, 31, 100, 10**6, 10**6 + 1, 10**7, 10**7 + 1, 10**11, 10**11 + 1, 2**63, 10**40]
_INSTANT_PROBES = [EARLIEST.isoformat(), (EARLIEST - timedelta(microseconds=1)).isoformat(), LATEST.isoformat(),
                   (LATEST + timedelta(microseconds=1)).isoformat(), "1999-12-31T23:59:59+08:00",
                   "1999-12-31T16:00:00Z", "2100-12-31T15:59:59.999999Z", "2100-12-31T16:00:00Z",
                   "9999-12-31T23:00:00+00:00", "2026-03-02T09:15:00+08:00", "2026-02-30T09:15:00+08:00"]
#: Values of the wrong JSON type, which pydantic's lax mode may coerce: the fast path leaves them to it.
_LAX_PROBES = [None, True, 5.0, "5", "true", 0, 1.5, "2026-03-02", "2026-03-02 09:15:00+08:00",
               "2026-03-02T09:15:00", [], {}, "12345678123456781234567812345678", str(uuid.uuid4()).upper(), "bogus"]


def _probes(prop: dict[str, Any]) -> Iterator[tuple[Any, bool]]:
    """(value, well_typed): a value of the field's JSON type is one both paths must judge the same."""
    options = prop.get("anyOf", [prop])
    kinds = {o.get("type") for o in options} | ({"enum"} if any("$ref" in o for o in options) else set())
    if "string" in kinds or "enum" in kinds:
        if any(o.get("format") == "date-time" for o in options):
            yield from ((v, True) for v in _INSTANT_PROBES)
        elif any(o.get("format") == "uuid" for o in options):
            yield str(uuid.uuid4()), True
            yield "not-a-uuid", True
        else:
            yield from ((v, True) for v in [*_TEXT_PROBES, "foundry", "general", "visit", "suggestion", "village"])
    if "integer" in kinds:
        yield from ((v, True) for v in _INT_PROBES)
    if "boolean" in kinds:
        yield from ((v, True) for v in (True, False))
    if "array" in kinds:
        yield from ((v, True) for v in ([], ["p_" + "a" * 26], ["ok", "bad\x00"], ["x" * 101], ["ok"] * MAX_ITEMS,
                                        ["ok"] * (MAX_ITEMS + 1)))
    if "null" in kinds:
        yield None, True
    yield from ((v, False) for v in _LAX_PROBES)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_fast_path_judges_every_field_as_the_model_does(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    compiled = codec._COMPILED[event_type]
    schema = model.model_json_schema()
    base = json.loads(next(samples(model)).model_dump_json())
    cases: list[dict[str, Any]] = [{**base, "unexpected": 1}]  # unknown fields refused by both
    cases += [{k: v for k, v in base.items() if k != name} for name in base]  # each field missing
    verdicts = 0
    for name, prop in schema["properties"].items():
        for value, well_typed in _probes(prop):
            cases.append({**base, name: value})
            raw = json.dumps(cases[-1], ensure_ascii=False).encode()
            try:
                expected: EventPayload | None = model.model_validate_json(raw)
            except ValidationError:
                expected = None
            fast = codec._payload(compiled, raw)
            if fast is not None:
                assert expected is not None and fast == expected, (name, value)
            elif well_typed:
                assert expected is None, f"{event_type}.{name}={value!r}: pydantic takes it, the fast path not"
            verdicts += 1
    assert verdicts > 40 * len(base) // 3


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_refusal_carries_the_reference_reason(event_type: str) -> None:
    payload = next(samples(EVENT_TYPES[event_type]))
    record = encode(payload, source="/minqing/test")
    value = json.loads(record.value)
    for name in value:
        for bad in ("\x00", 10**40, "9999-12-31T23:00:00+00:00", [None]):
            raw = json.dumps({**value, name: bad}).encode()
            try:
                reference: Event | str = decode(record.key, raw, record.headers)
            except DecodeError as exc:
                reference = exc.reason
            try:
                fast: Event | str = codec.decode(record.key, raw, record.headers)
            except DecodeError as exc:
                fast = exc.reason
            assert fast == reference, (name, bad)


def test_unusual_envelopes_go_to_the_reference() -> None:
    record = encode(ALL[0][1], source="/minqing/test")
    headers = dict(record.headers)
    for changed in ({"ce_specversion": b"0.3"}, {"ce_dataschema": b"https://example/v9.json"},
                    {"ce_id": b"not-a-uuid"}, {"ce_time": b"yesterday"}, {"ce_type": b"petition.nope"}):
        broken = list({**headers, **changed}.items())
        with pytest.raises(DecodeError) as fast:
            codec.decode(record.key, record.value, broken)
        with pytest.raises(DecodeError) as reference:
            decode(record.key, record.value, broken)
        assert fast.value.reason == reference.value.reason
    with pytest.raises(DecodeError, match="empty message value"):
        codec.decode(record.key, None, record.headers)


def test_the_generator_refuses_a_constraint_it_does_not_know() -> None:
    class Odd(EventPayload):
        event_type = "test.odd"
        subject_field = "n"
        stream = "test"
        n: int = Field(multiple_of=5)

    class Custom(EventPayload):
        event_type = "test.custom"
        subject_field = "s"
        stream = "test"
        s: Annotated[str, AfterValidator(str.strip)]

    class Stripping(EventPayload):
        model_config = ConfigDict(str_strip_whitespace=True)
        event_type = "test.stripping"
        subject_field = "s"
        stream = "test"
        s: str

    for model in (Odd, Custom, Stripping):
        with pytest.raises(TypeError, match="no fast equivalent"):
            codec.fast_struct(model)  # at import for a contract model: every test fails


def test_a_naive_instant_is_left_to_the_reference_which_compares_it_as_utc() -> None:
    _, payload = ALL[0]
    record = encode(payload, source="/minqing/test")
    value = {**json.loads(record.value), "occurred_at": "2026-03-02T09:15:00"}
    raw = json.dumps(value).encode()
    assert codec._payload(codec._COMPILED[payload.event_type], raw) is None
    assert codec.decode(record.key, raw, record.headers) == decode(record.key, raw, record.headers)
    assert datetime.fromisoformat("2026-03-02T09:15:00").tzinfo is None
