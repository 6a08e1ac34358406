"""Safety worker: outbox relay, overdue-hazard watcher, gauge refresh.

Run: `python -m services.safety.entrypoints.worker` (or `python -m devstack service safety worker`).
Settings (env `MINQING_*`): DATABASE_URL, KAFKA_BOOTSTRAP, METRICS_PORT (default 9202),
SAFETY_OVERDUE_INTERVAL_SECONDS (default 60), RUN_RELAY (default true).
"""

from __future__ import annotations

import asyncio
import logging

from minqing_kit.runtime import ServiceRuntime, run_worker
from services.safety.adapters.clock import Clock
from services.safety.bootstrap import MIGRATIONS, bootstrap
from services.safety.service_layer.watcher import watch_once
from services.safety.settings import SafetySettings

log = logging.getLogger(__name__)


async def run(stop: asyncio.Event, settings: SafetySettings | None = None, clock: Clock | None = None) -> None:
    """Until `stop` is set: one watcher pass every interval, supervised by the runtime (a failed pass
    is logged, counted and retried with backoff; a dead or stuck loop raises `BackgroundLoopDead`)."""
    conf = settings or SafetySettings()
    async with ServiceRuntime.open(conf, migrations=[("safety", MIGRATIONS)]) as rt:
        service = bootstrap(rt, conf, clock)
        rt.periodic("overdue-watcher", lambda: watch_once(service), conf.safety_overdue_interval_seconds)
        await rt.serve_until(stop)


def main() -> None:
    settings = SafetySettings()
    run_worker(settings, lambda stop: run(stop, settings), settings.metrics_port)


if __name__ == "__main__":
    main()
