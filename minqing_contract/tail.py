"""`tail`: follow Minqing's event streams and print decoded events, one JSON object per line.

    python -m minqing_contract.tail safety --type safety.accident_reported --township 990102101000
    python -m minqing_contract.tail petition volunteer --from-beginning --limit 20

For other departments and operators: it signs in with the department's read credential (SASL/SCRAM:
`--username`, the password from the environment variable `MINQING_KAFKA_PASSWORD`; both default to
`MINQING_KAFKA_USERNAME`/`MINQING_KAFKA_PASSWORD`), reads with its own throwaway consumer group under
the department's prefix `<username>.` (or `--group` to keep a position), decodes with the contract (upcasting old versions), filters on the `ce_type`
and `ce_township` headers before decoding, and never writes anything. Undecodable messages are
reported on stderr, not fatal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import sys
import uuid
from collections.abc import Sequence
from typing import Any, TextIO

from aiokafka import AIOKafkaConsumer

from minqing_contract.divisions import load_county
from minqing_contract.envelope import DecodeError, Event, decode
from minqing_contract.topics import STREAMS


def render(event: Event) -> dict[str, Any]:
    county = load_county()
    return {
        "time": event.time.isoformat(),
        "type": event.type,
        "township": event.township,
        "township_name": county.name_of(event.township),
        "subject": event.subject,
        "sequence": event.sequence,
        "id": str(event.id),
        "data": event.payload.model_dump(mode="json"),
    }


def matches(headers: Sequence[tuple[str, bytes]], types: set[str], townships: set[str]) -> bool:
    h = dict(headers)
    if types and h.get("ce_type", b"").decode(errors="replace") not in types:
        return False
    township = h.get("ce_township", b"").decode(errors="replace")
    return not townships or any(township.startswith(t[:6] if t.endswith("000000") else t[:9]) for t in townships)


async def tail(bootstrap: str, streams: list[str], *, types: set[str], townships: set[str], from_beginning: bool,
               limit: int | None, idle_exit_s: float | None, group: str | None, out: TextIO = sys.stdout,
               username: str | None = None, password: str | None = None) -> int:
    topics = [STREAMS[s].name for s in streams]
    auth: dict[str, Any] = {}
    if username:  # the broker's SASL/SCRAM user; a department may only use groups `<username>.…`
        auth = {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
                "sasl_plain_username": username, "sasl_plain_password": password or ""}
    default_group = f"{username}.tail-{uuid.uuid4()}" if username else f"tail-{uuid.uuid4()}"
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=group or default_group, **auth,
                                enable_auto_commit=group is not None,
                                auto_offset_reset="earliest" if from_beginning else "latest")
    await consumer.start()
    printed = 0
    idle = 0.0
    try:
        while limit is None or printed < limit:
            batch = await consumer.getmany(timeout_ms=500)
            if not batch:
                idle += 0.5
                if idle_exit_s is not None and idle >= idle_exit_s:
                    break
                continue
            idle = 0.0
            for r in itertools.chain.from_iterable(batch.values()):  # one loop, so --limit holds across partitions
                if not matches(r.headers, types, townships):
                    continue
                try:
                    event = decode(r.key, r.value, r.headers)
                except DecodeError as exc:
                    print(f"undecodable message at {r.topic}/{r.partition}@{r.offset}: {exc.reason}", file=sys.stderr)
                    continue
                out.write(json.dumps(render(event), ensure_ascii=False) + "\n")
                out.flush()
                printed += 1
                if limit is not None and printed >= limit:
                    break
    finally:
        await consumer.stop()
    return printed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minqing_contract.tail", description=__doc__.splitlines()[0])
    parser.add_argument("streams", nargs="*", metavar="STREAM",
                        help=f"streams to follow: {', '.join(STREAMS)} (default: all)")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--type", action="append", default=[], help="event type to keep (repeatable)")
    parser.add_argument("--township", action="append", default=[],
                        help="12-digit township code to keep (repeatable); villages of it match too")
    parser.add_argument("--from-beginning", action="store_true", help="start at the oldest retained event")
    parser.add_argument("--limit", type=int, help="stop after this many events")
    parser.add_argument("--idle-exit", type=float, help="stop after this many seconds without messages")
    parser.add_argument("--group", help="consumer group id, to resume where you stopped")
    parser.add_argument("--username", default=os.environ.get("MINQING_KAFKA_USERNAME"),
                        help="Kafka user (SASL/SCRAM-SHA-512); password from $MINQING_KAFKA_PASSWORD")
    args = parser.parse_args(argv)
    unknown = [s for s in args.streams if s not in STREAMS]
    if unknown:
        parser.error(f"unknown stream(s) {', '.join(unknown)}; choose from {', '.join(STREAMS)}")
    from aiokafka.errors import (
        GroupAuthorizationFailedError,
        KafkaConnectionError,
        TopicAuthorizationFailedError,
    )

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(tail(args.bootstrap, args.streams or list(STREAMS), types=set(args.type),
                             townships=set(args.township), from_beginning=args.from_beginning, limit=args.limit,
                             idle_exit_s=args.idle_exit, group=args.group, username=args.username,
                             password=os.environ.get("MINQING_KAFKA_PASSWORD")))
    except TopicAuthorizationFailedError as exc:
        print(f"未授权读取该数据流 (not granted: {exc}); ask the county administrator for a grant", file=sys.stderr)
        return 2
    except GroupAuthorizationFailedError:
        print(f"消费组名须以 '{args.username}.' 开头 (your consumer groups must start with '{args.username}.')",
              file=sys.stderr)
        return 2
    except KafkaConnectionError as exc:
        print(f"无法登录 Kafka (cannot connect or sign in: {exc}); check the address, MINQING_KAFKA_USERNAME and "
              "MINQING_KAFKA_PASSWORD", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
