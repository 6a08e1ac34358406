"""The published contract: schemas and AsyncAPI match the code, old versions still parse,
every event validates against its committed schema, and no payload can carry personal data."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from minqing_contract import EVENT_TYPES, DecodeError, decode, encode
from minqing_contract.events.petition import MatterRegistered
from minqing_contract.schemagen import ASYNCAPI_FILE, SCHEMA_DIR, asyncapi_document, drift, standalone_schema
from tests.factories import POISONS, poisoned

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "minqing_contract" / "samples"
CST = timezone(timedelta(hours=8))

# Field names that would mean personal data travels on the bus.
FORBIDDEN_FIELDS = {"name", "full_name", "phone", "mobile", "telephone", "id_number", "id_card", "identity_number",
                    "address", "contact", "petitioner_name", "volunteer_name"}


def test_committed_schemas_and_asyncapi_match_the_models() -> None:
    assert drift() == [], "run: python -m minqing_contract.schemagen"


def test_every_event_type_has_a_committed_schema_per_version() -> None:
    for event_type, model in EVENT_TYPES.items():
        for version in range(1, model.version + 1):
            assert (SCHEMA_DIR / f"{event_type}.v{version}.json").exists(), (event_type, version)


def test_asyncapi_lists_every_event_type() -> None:
    doc = asyncapi_document()
    names = {m["name"] for m in doc["components"]["messages"].values()}
    assert names == set(EVENT_TYPES)
    assert doc["asyncapi"] == "3.0.0"
    assert all(op["action"] == "receive" for op in doc["operations"].values())


def test_asyncapi_document_validates_with_the_official_cli(tmp_path: Path) -> None:
    cli = REPO / "node_modules" / ".bin" / "asyncapi"
    assert cli.exists(), "npm packages missing: run scripts/bootstrap.sh"
    config = tmp_path / "asyncapi-analytics.json"  # keep the CLI off the network: analytics disabled
    config.write_text(json.dumps({"analyticsEnabled": "false", "infoMessageShown": "true", "userID": "ci"}))
    env = {**os.environ, "ASYNCAPI_METRICS_CONFIG_PATH": str(config), "SUPPRESS_NO_CONFIG_WARNING": "true"}
    result = subprocess.run([str(cli), "validate", str(ASYNCAPI_FILE)], capture_output=True, text=True, env=env,
                            timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "is valid" in output
    assert "(0 errors" in output


def test_no_payload_model_has_a_personal_data_field() -> None:
    for event_type, model in EVENT_TYPES.items():
        assert not (set(model.model_fields) & FORBIDDEN_FIELDS), event_type


def test_pseudonyms_must_look_like_pseudonyms() -> None:
    now = datetime.now(CST)
    base = dict(township_code="990102002000", occurred_at=now, matter_id=uuid.uuid4(), channel="visit", kind="claim",
                category="livelihood", subcategory="wage_arrears", headcount=1, is_group_visit=False,
                registered_at=now, route_due_at=now)
    MatterRegistered(**base, petitioners=["p_" + "a" * 26])
    with pytest.raises(ValueError, match="petitioners"):
        MatterRegistered(**base, petitioners=["张三 13800138000"])


def test_stored_v1_sample_still_parses_through_the_upcaster() -> None:
    sample = json.loads((SAMPLES / "petition.registered.v1.json").read_text())
    value = json.dumps(sample["value"]).encode()
    v1_schema = json.loads((SCHEMA_DIR / "petition.registered.v1.json").read_text())
    jsonschema.validate(sample["value"], v1_schema)  # the sample really is a v1 message
    headers = [(k, v.encode()) for k, v in sample["headers"].items()]
    event = decode(sample["key"].encode(), value, headers)
    assert event.schema_version == 1
    assert isinstance(event.payload, MatterRegistered)
    assert event.payload.headcount == 7
    assert event.payload.is_group_visit is True


def test_encoded_events_validate_against_their_committed_schema() -> None:
    from tests.factories import inspection

    record = encode(inspection(uuid.uuid4()), source="/minqing/test")
    schema = json.loads((SCHEMA_DIR / "safety.inspection_recorded.v1.json").read_text())
    jsonschema.validate(json.loads(record.value), schema)
    assert standalone_schema(EVENT_TYPES["safety.inspection_recorded"]) == schema


def _registered_record() -> Any:
    now = datetime(2026, 3, 2, 9, 15, tzinfo=CST)
    payload = MatterRegistered(township_code="990102002000", occurred_at=now, matter_id=uuid.uuid4(), channel="visit",
                               kind="claim", category="livelihood", subcategory="wage_arrears", headcount=1,
                               is_group_visit=False, registered_at=now, route_due_at=now,
                               petitioners=["p_" + "a" * 26])
    return encode(payload, source="/minqing/petition")


@pytest.mark.parametrize("kind", sorted(POISONS))
def test_consumers_refuse_each_poison_kind_when_decoding(kind: str) -> None:
    from minqing_contract import codec

    record = poisoned(_registered_record(), POISONS[kind])
    [field] = POISONS[kind]
    schema = json.loads((SCHEMA_DIR / "petition.registered.v2.json").read_text())
    value = json.loads(record.value)
    with pytest.raises(jsonschema.ValidationError):  # the published schema refuses it too
        if kind == "far_future":
            _check_instant_bounds(value[field], schema["properties"][field])
        else:
            jsonschema.validate(value, schema)
    for decoder in (decode, codec.decode):
        with pytest.raises(DecodeError) as refused:
            decoder(record.key, record.value, record.headers)
        assert refused.value.reason.startswith("petition.registered payload fails its schema: " + field), decoder


def _check_instant_bounds(value: str, prop: dict[str, Any]) -> None:
    """`formatMinimum`/`formatMaximum` are not in jsonschema's vocabulary: compare as ajv would."""
    moment = datetime.fromisoformat(value)
    if not datetime.fromisoformat(prop["formatMinimum"]) <= moment <= datetime.fromisoformat(prop["formatMaximum"]):
        raise jsonschema.ValidationError(f"{value} outside [{prop['formatMinimum']}, {prop['formatMaximum']}]")


def test_values_at_the_bounds_still_decode() -> None:
    from minqing_contract.bounds import LATEST, MAX_COUNT

    record = poisoned(_registered_record(), {"headcount": MAX_COUNT, "occurred_at": LATEST.isoformat(),
                                             "category": "民" * 100})
    event = decode(record.key, record.value, record.headers)
    assert event.payload.headcount == MAX_COUNT  # type: ignore[attr-defined]
    for beyond in ({"headcount": MAX_COUNT + 1}, {"category": "x" * 101}, {"occurred_at": "1999-12-31T23:59:59+08:00"},
                   {"category": "a\u001bb"}):
        with pytest.raises(DecodeError):
            decode(record.key, poisoned(record, beyond).value, record.headers)


def test_every_string_integer_and_instant_of_every_event_is_bounded() -> None:
    """No field escapes the bounds: strings carry a pattern (labels also a length), integers a maximum,
    instants a range, arrays a maximum length — in the committed schemas subscribers validate with."""
    unbounded = []
    for event_type, model in EVENT_TYPES.items():
        schema = json.loads((SCHEMA_DIR / f"{event_type}.v{model.version}.json").read_text())
        for name, prop in schema["properties"].items():
            if not all(_bounded(option) for option in prop.get("anyOf", [prop])):
                unbounded.append(f"{event_type}.{name}")
    assert unbounded == []


def _bounded(prop: dict[str, Any]) -> bool:
    kind = prop.get("type")
    if kind == "string":
        return "pattern" in prop or prop.get("format") == "uuid" or "formatMaximum" in prop
    if kind == "integer":
        return "maximum" in prop
    if kind == "array":
        return "maxItems" in prop
    return kind in ("boolean", "null") or "$ref" in prop  # $ref: an enum
