"""The fast codec: the same CloudEvents Kafka binary binding as `envelope.encode`/`decode`, without the SDK.

`envelope` (the CloudEvents SDK + pydantic validation of a Python dict) is the reference: ~50 µs of
one core per event. This module reads and writes the binding directly (`ce_*` headers + content-type,
the partition key as the message key) and validates payload bytes with msgspec structs *generated from
the pydantic models* (`fast_struct`): the pydantic models stay the published contract (the JSON Schemas
and AsyncAPI come from them), the structs are their compiled form — nothing here is declared twice.

- `encode` returns byte for byte the record `envelope.encode` returns (topic, key, value, headers in
  the same order): tests/contract/test_codec.py compares them on every event type.
- `decode` validates the payload with msgspec (types, patterns, lengths, ranges, unknown fields
  refused — as the JSON Schema) and the instants' range, then builds the pydantic model without
  validating it again. Whatever the fast path does not take — a poison, an older version that needs an
  upcaster, a missing header, a value pydantic's lax mode would coerce (`"5"` for an integer) — goes to
  the reference, which accepts it or refuses it with its own reason: so what is accepted and every
  dead-letter reason are exactly the reference's, and the fast path only ever decides "valid".
- The generator refuses any constraint it does not know, so a new kind of bound in the models fails
  at import, and tests/contract/test_codec.py probes every field of every event type at and beyond its
  bounds through both paths: a drift between the structs and the models fails a test.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from operator import attrgetter
from typing import Annotated, Any, NamedTuple
from uuid import UUID, uuid4

import annotated_types
import msgspec
from pydantic.fields import FieldInfo

from minqing_contract import bounds
from minqing_contract.envelope import CONTENT_TYPE, SPECVERSION, Event, KafkaRecord
from minqing_contract.envelope import decode as reference_decode
from minqing_contract.events.base import EventPayload
from minqing_contract.registry import EVENT_TYPES, schema_uri
from minqing_contract.topics import topic_for_stream

__all__ = ["Slim", "decode", "decode_slim", "encode", "fast_struct", "model_of", "reference_decode"]

_CONTENT = CONTENT_TYPE.encode()
_SPEC = SPECVERSION.encode()
_SCALARS = (str, int, bool, UUID, datetime, date, type(None))


# ----- the structs, generated from the pydantic models ------------------------------------------------
@dataclass(frozen=True, eq=False)  # compared by identity: one per validator
class _Range:
    """A range msgspec cannot express on a datetime or date (bounds.Instant, bounds.Day): checked after
    decoding. Instants must carry their offset on the fast path (`tz=True`): a naive one, which
    `bounds._within_range` compares as UTC, goes to the reference."""

    low: Any
    high: Any
    meta: dict[str, Any]


#: The pydantic after-validators the fast path knows, and the check standing for each.
_VALIDATORS: dict[Callable[..., Any], _Range] = {
    bounds._within_range: _Range(bounds.EARLIEST, bounds.LATEST, {"tz": True}),
    bounds._day_within_range: _Range(bounds.EARLIEST_DAY, bounds.LATEST_DAY, {}),
}


def _pattern(pattern: str) -> str:
    # pydantic matches with Rust's regex, where `$` is the end of the text; msgspec with Python's `re`,
    # where a final `$` also matches before a trailing newline ("abc\n" would pass a one-line pattern).
    return pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern


#: annotated-types bounds → (the msgspec.Meta keyword, which of two is the tighter).
_BOUNDS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    annotated_types.Ge: ("ge", max), annotated_types.Gt: ("gt", max), annotated_types.Le: ("le", min),
    annotated_types.Lt: ("lt", min), annotated_types.MinLen: ("min_length", max),
    annotated_types.MaxLen: ("max_length", min),
}


#: The patterns that only refuse control characters (bounds.Line, bounds.FreeText …): see `_Compiled`.
_CONTROL_PATTERNS = frozenset({_pattern(bounds.LINE_PATTERN), _pattern(bounds.FREE_TEXT_PATTERN)})


def _constraints(metadata: Sequence[Any], where: str, ranges: list[_Range], lenient: bool = False) -> dict[str, Any]:
    """pydantic field metadata → msgspec.Meta keywords (the tightest of repeated bounds); `lenient`
    leaves out the patterns that only refuse control characters."""
    meta: dict[str, Any] = {}
    for item in metadata:
        bound = _BOUNDS.get(type(item))
        if isinstance(item, FieldInfo):  # Annotated[str, Field(pattern=...)] nested in a type
            meta.update(_constraints(item.metadata, where, ranges, lenient))
        elif bound is not None:  # Ge, Le, MaxLen …: repeated bounds keep the tightest
            value = getattr(item, bound[0])
            meta[bound[0]] = bound[1](meta[bound[0]], value) if bound[0] in meta else value
        elif type(item).__name__ == "_PydanticGeneralMetadata" and set(vars(item)) <= {"pattern"}:
            pattern = _pattern(item.pattern)  # type: ignore[attr-defined]
            if not (lenient and pattern in _CONTROL_PATTERNS):
                meta["pattern"] = pattern
        elif getattr(item, "func", None) in _VALIDATORS and type(item).__name__ == "AfterValidator":
            ranges.append(_VALIDATORS[item.func])
            meta.update(_VALIDATORS[item.func].meta)
        else:
            raise TypeError(f"{where}: constraint {item!r} has no fast equivalent: teach minqing_contract/codec.py")
    return meta


def _translate(tp: Any, metadata: Sequence[Any], where: str, ranges: list[_Range], lenient: bool = False) -> Any:
    """A pydantic field type (with its metadata) → the msgspec type enforcing the same rules (`lenient`:
    but the control-character patterns)."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        inner, *extra = typing.get_args(tp)
        return _translate(inner, [*extra, *metadata], where, ranges, lenient)
    if origin in (typing.Union, types.UnionType):
        if metadata:
            raise TypeError(f"{where}: constraint on a union")
        inner_ranges: list[_Range] = []
        options = tuple(_translate(a, (), where, inner_ranges, lenient) for a in typing.get_args(tp))
        if len(inner_ranges) > 1:
            raise TypeError(f"{where}: more than one range in a union")
        ranges.extend(inner_ranges)
        return typing.Union[options]  # noqa: UP007 - built at run time
    if origin is list:
        (item,) = typing.get_args(tp)
        item_ranges: list[_Range] = []
        item_type = _translate(item, (), where, item_ranges, lenient)
        if item_ranges:
            raise TypeError(f"{where}: ranges inside a list")
        base: Any = list[item_type]  # type: ignore[valid-type]
    elif isinstance(tp, type) and (issubclass(tp, Enum) or tp in _SCALARS):
        base = tp
    else:
        raise TypeError(f"{where}: type {tp!r} has no fast equivalent: teach minqing_contract/codec.py")
    meta = _constraints(metadata, where, ranges, lenient)
    return Annotated[base, msgspec.Meta(**meta)] if meta else base


#: The payload models' configuration the structs reproduce (extra fields refused, enum members kept).
_CONFIG: dict[str, Any] = {"frozen": True, "extra": "forbid", "use_enum_values": False}


class _Compiled:
    """One event type's struct, its decoder and the range checks that follow decoding."""

    def __init__(self, model: type[EventPayload]) -> None:
        config = {k: v for k, v in model.model_config.items() if k not in ("title", "json_schema_extra")}
        if config != _CONFIG:  # strip whitespace, strictness, coercions …: the structs would not know
            raise TypeError(f"{model.__name__}: model_config {config} has no fast equivalent (expected {_CONFIG})")
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        lenient_fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        ranged: dict[_Range, tuple[list[str], list[str]]] = {}  # range → (never-null fields, nullable fields)
        for name, info in model.model_fields.items():
            if info.alias not in (None, name) or info.default_factory is not None:
                raise TypeError(f"{model.__name__}.{name}: aliases and default factories are not supported")
            ranges: list[_Range] = []
            tp = _translate(info.annotation, info.metadata, f"{model.__name__}.{name}", ranges)
            for r in ranges:
                nullable = type(None) in typing.get_args(info.annotation)
                ranged.setdefault(r, ([], []))[nullable].append(name)
            fields.append((name, tp) if info.is_required() else (name, tp, info.default))
            lenient = _translate(info.annotation, info.metadata, f"{model.__name__}.{name}", [], lenient=True)
            lenient_fields.append((name, lenient) if info.is_required() else (name, lenient, info.default))
        # The model's class attributes and `subject()` ride along, so a struct reads like the payload it validates.
        namespace = {"event_type": model.event_type, "version": model.version, "stream": model.stream,
                     "subject_field": model.subject_field, "subject": EventPayload.subject}
        options: dict[str, Any] = {"kw_only": True, "forbid_unknown_fields": True, "frozen": True,
                                   "gc": False}  # scalars and lists of scalars: never in a cycle, so untracked
        # Two decoders. JSON cannot carry a raw control character in a string but DEL (msgspec refuses
        # them), so a value without a backslash (an escape) and without a DEL byte cannot break the
        # patterns that only refuse control characters (bounds.Line, FreeText …): `decode` checks it
        # without them (each is a regex call per field), and, when the value has either byte, with them
        # too (`strict`; None when the model has no such pattern). The payload is always `struct`.
        self.struct: type[msgspec.Struct] = msgspec.defstruct(
            f"{model.__name__}Struct", lenient_fields, namespace=namespace, **options)
        self.decoder = msgspec.json.Decoder(self.struct)
        self.strict: msgspec.json.Decoder[Any] | None = None if lenient_fields == fields else msgspec.json.Decoder(
            msgspec.defstruct(f"{model.__name__}StrictStruct", fields, namespace=namespace, **options))
        self.model = model
        self.names = frozenset(model.model_fields)
        # (low, high, getter of a tuple of the never-null values, names of the nullable ones, the bounds
        # by the values' tzinfo — see `in_range`). The getter returns a tuple even for one field (named
        # twice); min/max run in C.
        self.ranges: list[tuple[Any, Any, Callable[[Any], tuple[Any, ...]] | None, tuple[str, ...],
                                dict[Any, tuple[datetime, datetime]] | None]] = [(r.low, r.high, attrgetter(*never, *never[:1]) if never else None, tuple(nullable),
                        {} if isinstance(r.low, datetime) else None)
                       for r, (never, nullable) in ranged.items()]

    def decode(self, value: bytes) -> Any:
        """The payload's struct, checked by every rule but the instants' ranges (`in_range`); raises
        msgspec's errors."""
        struct = self.decoder.decode(value)
        if self.strict is not None and (value.find(92) >= 0 or value.find(127) >= 0):  # a backslash or a DEL
            self.strict.decode(value)
        return struct

    def in_range(self, struct: Any) -> bool:
        for low, high, getter, nullable, by_tz in self.ranges:
            if getter is not None:
                values = getter(struct)
                first, last = min(values), max(values)
                if by_tz is not None:
                    # Aware datetimes with the same tzinfo object compare field by field; with different
                    # ones, through their UTC offsets, several times slower. msgspec gives every value
                    # of one offset the same tzinfo object: compare with the bounds in that tzinfo
                    # (the same instants; at most one entry per offset).
                    tz = first.tzinfo
                    bounds_in_tz = by_tz.get(tz)
                    if bounds_in_tz is None:
                        bounds_in_tz = by_tz[tz] = (low.astimezone(tz), high.astimezone(tz))
                    if first < bounds_in_tz[0] or last > bounds_in_tz[1]:
                        return False
                elif first < low or last > high:
                    return False
            for name in nullable:
                value = getattr(struct, name)
                if value is not None and not low <= value <= high:
                    return False
        return True


@cache
def _compiled(model: type[EventPayload]) -> _Compiled:
    return _Compiled(model)


def fast_struct(model: type[EventPayload]) -> type[msgspec.Struct]:
    """The msgspec struct generated from a payload model (for tests and tools)."""
    return _compiled(model).struct


_COMPILED = {t: _compiled(m) for t, m in EVENT_TYPES.items()}
#: Struct or model class → the contract model (see `model_of`).
_MODELS: dict[type, type[EventPayload]] = {**{c.struct: c.model for c in _COMPILED.values()},
                                           **{m: m for m in EVENT_TYPES.values()}}
_TYPES = {t.encode(): t for t in EVENT_TYPES}
_SCHEMAS = {t: schema_uri(t, m.version).encode() for t, m in EVENT_TYPES.items()}
_setattr = object.__setattr__
asdict = msgspec.structs.asdict
_new = object.__new__
_new_tuple = tuple.__new__
#: A 36-character `ce_id` as a JSON string (no escape can make 36 bytes a valid UUID): 5× faster than UUID().
_uuid = msgspec.json.Decoder(UUID).decode
_json = msgspec.json.encode


def uuid_text(value: UUID) -> str:
    """`str(value)` of a UUID, in C (`UUID.__str__` formats in Python: about 3× the time; a projection keys
    most facts by an id)."""
    return _json(value)[1:-1].decode()


def _payload(compiled: _Compiled, value: bytes) -> EventPayload | None:
    """The validated payload, or None when the fast path does not take it (the reference decides)."""
    try:
        struct = compiled.decode(value)
    except msgspec.MsgspecError:
        return None
    if not compiled.in_range(struct):
        return None
    # Valid by the same rules: build the frozen model as `model_construct` would, without validating again.
    payload = compiled.model.__new__(compiled.model)
    _setattr(payload, "__dict__", asdict(struct))
    _setattr(payload, "__pydantic_fields_set__", set(compiled.names))
    _setattr(payload, "__pydantic_extra__", None)
    _setattr(payload, "__pydantic_private__", None)
    return payload


# ----- decode and encode ------------------------------------------------------------------------------------
def model_of(payload: Any) -> type[EventPayload]:
    """The contract model of a payload: itself for a pydantic payload, the model a struct was generated from."""
    cls = type(payload)
    return _MODELS.get(cls, cls)


class Slim(NamedTuple):
    """What a projection needs of an event: its id, its type and its validated payload (see `decode_slim`)."""

    id: UUID
    type: str
    payload: Any  # the event type's struct (fast path) or pydantic payload (reference): the same fields


def decode_slim(key: bytes | None, value: bytes | None,
                headers: Sequence[tuple[str, bytes]] | dict[str, bytes]) -> Slim:
    """`decode` for consumers that read payload fields only (the reporting ingest), about twice as fast.

    Accepts and refuses exactly what `decode` does (the same checks of every header; `DecodeError` with the
    reference's reason), but returns the payload as the validated msgspec struct — not copied into the
    pydantic model — and builds no `Event`. The struct has the model's fields, values (enum members,
    aware datetimes, UUIDs), class attributes and `subject()`; `model_of(payload)` is the model class.
    Whatever the fast path does not take comes from the reference, as a pydantic payload."""
    h = headers if isinstance(headers, dict) else dict(headers)
    event_type = _TYPES.get(h.get("ce_type", b""))
    if (value is not None and event_type is not None and h.get("ce_specversion") == _SPEC
            and h.get("ce_dataschema") == _SCHEMAS[event_type] and "ce_source" in h and "ce_time" in h
            and h.get("content-type") == _CONTENT):
        compiled = _COMPILED[event_type]
        try:
            struct = compiled.decoder.decode(value)
            if compiled.strict is not None and (value.find(92) >= 0 or value.find(127) >= 0):
                compiled.strict.decode(value)  # `compiled.decode(value)`, inline
            raw_id = h["ce_id"]
            event_id = _uuid(b'"' + raw_id + b'"') if len(raw_id) == 36 else UUID(raw_id.decode())
            # The same header checks as `decode` (their values are not kept).
            h["ce_source"].decode()
            datetime.fromisoformat(h["ce_time"].decode())
            if (subject := h.get("ce_subject")) is not None:
                subject.decode()
            if (township := h.get("ce_township")) is not None:
                township.decode()
            if sequence := h.get("ce_sequence"):
                int(sequence)
            if compiled.in_range(struct):
                return _new_tuple(Slim, (event_id, event_type, struct))  # Slim(...) without its Python-level __new__
        except (KeyError, ValueError, msgspec.MsgspecError):  # also UnicodeDecodeError: the reference says why
            pass
    event = reference_decode(key, value, headers if isinstance(headers, dict) else list(headers))
    return Slim(event.id, event.type, event.payload)


def decode(key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]] | dict[str, bytes]) -> Event:
    """Decode a Kafka message into an `Event`, or raise `DecodeError` — the same as `envelope.decode`."""
    h = headers if isinstance(headers, dict) else dict(headers)
    event_type = _TYPES.get(h.get("ce_type", b""))
    if (value is None or event_type is None or h.get("ce_specversion") != _SPEC
            or h.get("ce_dataschema") != _SCHEMAS[event_type] or "ce_id" not in h or "ce_source" not in h
            or "ce_time" not in h or h.get("content-type") != _CONTENT):
        return reference_decode(key, value, headers if isinstance(headers, dict) else list(headers))
    compiled = _COMPILED[event_type]
    payload = _payload(compiled, value)
    try:
        if payload is None:
            raise ValueError("the reference decides")
        raw_id = h["ce_id"]
        sequence = h.get("ce_sequence")
        subject = h.get("ce_subject")
        township = h.get("ce_township")
        event = _new(Event)  # Event(...) without the frozen dataclass's nine object.__setattr__ calls
        event.__dict__.update(
            id=_uuid(b'"' + raw_id + b'"') if len(raw_id) == 36 else UUID(raw_id.decode()),
            type=event_type, source=h["ce_source"].decode(),
            subject=subject.decode() if subject else payload.subject(),
            time=datetime.fromisoformat(h["ce_time"].decode()),
            township=township.decode() if township else payload.township_code,
            sequence=int(sequence) if sequence else None, schema_version=compiled.model.version, payload=payload)
        return event
    except (ValueError, msgspec.MsgspecError):  # also UnicodeDecodeError: the reference says why
        return reference_decode(key, value, headers if isinstance(headers, dict) else list(headers))


def encode(payload: EventPayload, *, source: str, event_id: UUID | None = None,
           sequence: int | None = None) -> KafkaRecord:
    """Byte for byte the record `envelope.encode(payload, source=, event_id=, sequence=)` returns."""
    subject = payload.subject()
    headers = [
        ("content-type", _CONTENT),
        ("ce_specversion", _SPEC),
        ("ce_id", str(event_id or uuid4()).encode()),
        ("ce_source", source.encode()),
        ("ce_type", payload.event_type.encode()),
        ("ce_time", payload.occurred_at.isoformat().encode()),
        ("ce_subject", subject.encode()),
        ("ce_dataschema", _SCHEMAS.get(payload.event_type) or schema_uri(payload.event_type, payload.version).encode()),
        ("ce_township", payload.township_code.encode()),
    ]
    if sequence is not None:
        headers.append(("ce_sequence", f"{sequence:012d}".encode()))
    return KafkaRecord(topic_for_stream(payload.stream), subject.encode(), payload.model_dump_json().encode(), headers)
