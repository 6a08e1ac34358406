"""Generate the committed JSON Schemas and the AsyncAPI 3.0 document from the payload models.

    python -m minqing_contract.schemagen          write schemas/ and asyncapi.json
    python -m minqing_contract.schemagen --check  exit 1 if the committed files drift from the code

Older versions' schemas (e.g. petition.registered v1) stay committed as frozen history: they are
never regenerated or deleted, so subscribers on an old version can still validate.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from minqing_contract.envelope import CONTENT_TYPE
from minqing_contract.events.base import EventPayload
from minqing_contract.registry import EVENT_TYPES, schema_uri
from minqing_contract.topics import DEAD_LETTER, STREAMS

HERE = Path(__file__).resolve().parent
SCHEMA_DIR = HERE / "schemas"
ASYNCAPI_FILE = HERE / "asyncapi.json"
CONTRACT_VERSION = "1.0.0"

CE_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 attributes, Kafka protocol binding, binary content mode",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "ce_dataschema",
                 "ce_township", "content-type"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "Unique event id: deduplicate on it"},
        "ce_source": {"type": "string", "description": "Producing service, e.g. /minqing/petition"},
        "ce_type": {"type": "string", "description": "Event type, e.g. petition.registered"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "Aggregate id (same as the Kafka key)"},
        "ce_dataschema": {"type": "string", "format": "uri", "description": "JSON Schema of the payload version"},
        "ce_township": {"type": "string", "pattern": r"^\d{12}$", "description": "Township division code"},
        "ce_sequence": {"type": "string", "pattern": r"^\d{12}$", "description": "Aggregate version, orders one subject's events"},
        "content-type": {"type": "string", "const": CONTENT_TYPE},
    },
}


def _message_name(event_type: str) -> str:
    return event_type.replace(".", "_")


def standalone_schema(model: type[EventPayload]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = schema_uri(model.event_type, model.version)
    schema["title"] = model.event_type
    schema["description"] = model.summary
    schema["x-minqing-version"] = model.version
    return schema


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def asyncapi_document() -> dict[str, Any]:
    models = list(EVENT_TYPES.values())
    _, defs = models_json_schema([(m, "serialization") for m in models], ref_template="#/components/schemas/{model}")
    schemas = defs.get("$defs", {})
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for stream, spec in STREAMS.items():
        channel_messages = {}
        for model in models:
            if model.stream != stream:
                continue
            name = _message_name(model.event_type)
            messages[name] = {
                "name": model.event_type,
                "title": model.event_type,
                "summary": model.summary,
                "contentType": CONTENT_TYPE,
                "headers": CE_HEADERS,
                "payload": {"$ref": f"#/components/schemas/{model.__name__}"},
                "bindings": {"kafka": {"key": {"type": "string", "description": f"{model.subject_field}"},
                                       "bindingVersion": "0.5.0"}},
                "x-dataschema": schema_uri(model.event_type, model.version),
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[stream] = {
            "address": spec.name,
            "description": spec.description,
            "messages": channel_messages,
            "bindings": {"kafka": {"topic": spec.name, "partitions": spec.partitions, "bindingVersion": "0.5.0",
                                   "topicConfiguration": {"retention.ms": int(spec.config.get("retention.ms", "-1"))}}},
        }
        operations[f"receive_{stream}"] = {
            "action": "receive",
            "summary": f"Subscribe to the {stream} stream (at-least-once; deduplicate on ce_id; ordered per key)",
            "channel": {"$ref": f"#/channels/{stream}"},
            "messages": [{"$ref": f"#/channels/{stream}/messages/{m}"} for m in channel_messages],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Minqing (民情) county event streams",
            "version": CONTRACT_VERSION,
            "description": (
                "Integration events of the petition (信访), safety (安监) and volunteer (志愿服务) services, "
                "and the identity service's (统一身份) audit trail. "
                "CloudEvents 1.0 in Kafka binary content mode: attributes in ce_* headers, the value is the "
                "payload JSON, the key is the aggregate id. No personal data: people appear only as keyed "
                f"pseudonyms. Dead letters go to {DEAD_LETTER.name}."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "county": {"host": "kafka:9092", "protocol": "kafka", "description": "The county's Kafka cluster"},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def expected_files() -> dict[Path, str]:
    files = {SCHEMA_DIR / f"{m.event_type}.v{m.version}.json": _dumps(standalone_schema(m)) for m in EVENT_TYPES.values()}
    files[ASYNCAPI_FILE] = _dumps(asyncapi_document())
    return files


def drift() -> list[str]:
    """Files whose committed content differs from what the code generates."""
    return [str(p.relative_to(HERE.parent)) for p, text in expected_files().items()
            if not p.exists() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        stale = drift()
        if stale:
            sys.stderr.write("contract files drift from the models; run python -m minqing_contract.schemagen:\n  "
                             + "\n  ".join(stale) + "\n")
            return 1
        return 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for path, text in expected_files().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
