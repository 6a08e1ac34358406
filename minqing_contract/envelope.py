"""CloudEvents 1.0 on Kafka, binary content mode.

Why binary: the Kafka value is exactly the payload JSON, so a subscriber validates it against
the published JSON Schema as it is, and `kcat` shows clean payloads; the CloudEvents attributes
travel in `ce_*` headers, so consumers route and filter on `ce_type` / `ce_township` without
parsing the body; the key is the `partitionkey` extension (the aggregate id) so one case's
events stay in one partition, in order.

Extensions: `township` (12-digit code), `partitionkey` (= Kafka key), `sequence` (the aggregate's
version, zero-padded so it also orders lexicographically, per the CloudEvents sequence extension).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from cloudevents.v1.http import CloudEvent
from cloudevents.v1.kafka import KafkaMessage, from_binary, to_binary
from pydantic import ValidationError

from minqing_contract.events.base import EventPayload
from minqing_contract.registry import model_for, schema_uri, upcast
from minqing_contract.topics import topic_for_stream

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"


class DecodeError(ValueError):
    """The message is not a valid Minqing CloudEvent; `reason` says why (for the dead-letter topic)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class KafkaRecord:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True)
class Event:
    """A decoded event: the CloudEvents attributes and the (upcast, validated) payload."""

    id: UUID
    type: str
    source: str
    subject: str
    time: datetime
    township: str
    sequence: int | None
    schema_version: int
    payload: EventPayload


def _json_default(value: Any) -> Any:
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def encode(payload: EventPayload, *, source: str, event_id: UUID | None = None, sequence: int | None = None) -> KafkaRecord:
    attributes: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": str(event_id or uuid4()),
        "source": source,
        "type": payload.event_type,
        "time": payload.occurred_at.isoformat(),
        "subject": payload.subject(),
        "datacontenttype": CONTENT_TYPE,
        "dataschema": schema_uri(payload.event_type, payload.version),
        "township": payload.township_code,
        "partitionkey": payload.subject(),
    }
    if sequence is not None:
        attributes["sequence"] = f"{sequence:012d}"
    event = CloudEvent(attributes, payload.model_dump(mode="json"))
    message = to_binary(event, data_marshaller=lambda data: json.dumps(data, ensure_ascii=False,
                                                                          separators=(",", ":")).encode())
    key = message.key.encode() if isinstance(message.key, str) else message.key
    value = message.value.encode() if isinstance(message.value, str) else message.value
    assert key is not None
    return KafkaRecord(topic_for_stream(payload.stream), key, value, list(message.headers.items()))


def _version_from_schema(dataschema: str | None, event_type: str) -> int:
    if not dataschema:
        return 1
    tail = dataschema.rsplit("/", 1)[-1]
    if not (tail.startswith("v") and tail.endswith(".json") and tail[1:-5].isdigit()):
        raise DecodeError(f"unrecognised dataschema {dataschema!r} for {event_type}")
    return int(tail[1:-5])


def decode(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | dict[str, bytes]) -> Event:
    """Decode a Kafka message into an `Event`, or raise `DecodeError` with a readable reason."""
    header_map = dict(headers) if not isinstance(headers, dict) else headers
    if value is None:
        raise DecodeError("empty message value")
    if "ce_type" not in header_map:
        raise DecodeError("not a CloudEvent in binary mode: missing ce_type header")
    try:
        ce = from_binary(KafkaMessage(header_map, key, value), data_unmarshaller=lambda raw: json.loads(raw))
    except Exception as exc:  # the SDK raises several types for malformed input
        raise DecodeError(f"invalid CloudEvent: {exc}") from exc
    if ce["specversion"] != SPECVERSION:
        raise DecodeError(f"unsupported specversion {ce['specversion']!r}")
    event_type = ce["type"]
    try:
        model = model_for(event_type)
        version = _version_from_schema(ce.get("dataschema"), event_type)
        data = ce.get_data()
        if not isinstance(data, dict):
            raise DecodeError("data is not a JSON object")
        payload = model.model_validate(upcast(event_type, version, data))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise DecodeError(f"{event_type} payload fails its schema: {problems}") from exc
    except LookupError as exc:
        raise DecodeError(str(exc)) from exc
    sequence = ce.get("sequence")
    try:
        return Event(
            id=UUID(ce["id"]), type=event_type, source=ce["source"], subject=ce.get("subject") or payload.subject(),
            time=datetime.fromisoformat(ce["time"]), township=ce.get("township") or payload.township_code,
            sequence=int(sequence) if sequence else None, schema_version=version, payload=payload,
        )
    except (ValueError, KeyError) as exc:
        raise DecodeError(f"bad CloudEvents attribute: {exc}") from exc
