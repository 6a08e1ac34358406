"""Command line: `python -m simulator demo` / `live` / `check` / `wait-history`; for benchmarks:
`history --days 30` (events straight onto the topics, no services) / `count --days 365`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from datetime import date

from simulator.history import generate
from simulator.produce import fast_encode, produce_history, reference_encode

DEFAULT_START = date(2026, 10, 1)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    p.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="first day (YYYY-MM-DD)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1.0 = a county of ~217k people)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator", description="Minqing county simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    hist = sub.add_parser("history", help="benchmarks only: generate events and produce them straight to the "
                                          "topics (no service holds them; the demo does not use this)")
    _common(hist)
    hist.add_argument("--bootstrap", default="127.0.0.1:9092")
    hist.add_argument("--no-progress", action="store_true")
    hist.add_argument("--reference-encoder", action="store_true",
                      help="encode with minqing_contract.encode (slower; same bytes)")
    cnt = sub.add_parser("count", help="count the events a history would have, without Kafka")
    _common(cnt)
    from simulator import live as live_cli

    live = sub.add_parser("live", help="drive realistic activity through the services' HTTP APIs, forever")
    live_cli.add_arguments(live)
    demo = sub.add_parser("demo", help="make the history through the services (first run), print where to "
                                       "look, then run live")
    live_cli.add_arguments(demo)
    demo.add_argument("--history-days", type=float, default=30.0)
    demo.add_argument("--reporting-url", default="http://127.0.0.1:8104")
    demo.add_argument("--ready-timeout", type=float, default=180.0)
    from simulator import check as check_cli

    chk = sub.add_parser("check", help="reconcile reporting's county figures with the services' own counts")
    check_cli.add_arguments(chk)
    wait = sub.add_parser("wait-history", help="wait until the demo's history is loaded (the Procfile starts "
                                               "the service workers after it)")
    wait.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)

    if args.command == "live":
        return live_cli.main_live(args)
    if args.command == "demo":
        return live_cli.main_demo(args)
    if args.command == "check":
        return check_cli.main_check(args, live_cli._print)
    if args.command == "wait-history":
        return live_cli.main_wait_history(args)

    if args.command == "history":
        from minqing_kit.kafka_auth import KafkaConnection

        # a secured broker: sign in as MINQING_KAFKA_USERNAME (devstack's admin, say) with MINQING_KAFKA_PASSWORD
        kafka = KafkaConnection(args.bootstrap, os.environ.get("MINQING_KAFKA_USERNAME") or None,
                                os.environ.get("MINQING_KAFKA_PASSWORD") or None)
        asyncio.run(produce_history(kafka, args.start, args.days, args.seed, args.scale,
                                    progress=not args.no_progress,
                                    encoder=reference_encode if args.reference_encoder else fast_encode))
        return 0
    started = time.perf_counter()
    per_type: Counter[str] = Counter()
    per_stream: Counter[str] = Counter()
    for payload, _ in generate(args.start, args.days, args.seed, args.scale):
        per_type[payload.event_type] += 1
        per_stream[payload.stream] += 1
    seconds = time.perf_counter() - started
    total = sum(per_type.values())
    out = [f"{args.days} days from {args.start} (seed {args.seed}, scale {args.scale}): {total:,} events, "
           f"generated in {seconds:,.1f} s = {total / max(seconds, 1e-9):,.0f} events/s", "per stream:"]
    out += [f"  {name:12} {n:>10,}" for name, n in sorted(per_stream.items())]
    out.append("per type:")
    out += [f"  {name:40} {n:>10,}" for name, n in sorted(per_type.items())]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
