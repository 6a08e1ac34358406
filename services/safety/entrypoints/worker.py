"""Safety worker: outbox relay, overdue-hazard watcher, gauge refresh.

Run: `python -m services.safety.entrypoints.worker` (or `python -m devstack service safety worker`).
Settings (env `MINQING_*`): DATABASE_URL, KAFKA_BOOTSTRAP, METRICS_PORT (default 9202),
SAFETY_OVERDUE_INTERVAL_SECONDS (default 60), RUN_RELAY (default true).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from minqing_kit.runtime import ServiceRuntime, run_worker
from services.safety.adapters.clock import Clock
from services.safety.bootstrap import MIGRATIONS, bootstrap
from services.safety.service_layer.watcher import watch_once
from services.safety.settings import SafetySettings

log = logging.getLogger(__name__)


async def run(stop: asyncio.Event, settings: SafetySettings | None = None, clock: Clock | None = None) -> None:
    """Until `stop` is set: one watcher pass every interval (a failed pass is logged and retried)."""
    conf = settings or SafetySettings()
    async with ServiceRuntime.open(conf, migrations=[("safety", MIGRATIONS)]) as rt:
        deps = bootstrap(rt, conf, clock)
        while not stop.is_set():
            try:
                await watch_once(deps)
            except Exception:  # the loop must survive a database hiccup; the next pass retries
                log.exception("safety watcher pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=conf.safety_overdue_interval_seconds)


def main() -> None:
    settings = SafetySettings()
    run_worker(settings, lambda stop: run(stop, settings), settings.metrics_port)


if __name__ == "__main__":
    main()
