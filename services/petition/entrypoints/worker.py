"""Petition worker: `python -m services.petition.entrypoints.worker`.

Runs the outbox relay (outbox → Kafka), the deadline watcher (approaching / overdue, each announced
once, also across restarts), the liaison intake (`liaison.problem_raised` → a 民情走访 matter, once;
`liaison_intake.py`) and the Prometheus gauges refresh, serving /metrics on
`MINQING_METRICS_PORT` (9201). The clock is injectable so tests can move time.
"""

from __future__ import annotations

import asyncio
import contextlib

from minqing_kit.reference import refreshing
from minqing_kit.runtime import ServiceRuntime, run_worker

from ..adapters.clock import Clock
from ..bootstrap import MIGRATIONS, bootstrap
from ..service_layer import watcher
from ..service_layer.commands import SYSTEM, SeedCalendar
from ..settings import PetitionSettings
from .liaison_intake import running_intake


async def main(stop: asyncio.Event, settings: PetitionSettings | None = None, clock: Clock | None = None) -> None:
    conf = settings or PetitionSettings()
    async with ServiceRuntime.open(conf, migrations=[("petition", MIGRATIONS)], run_relay=True) as rt:
        service = bootstrap(rt, conf, clock)
        await service.bus.handle(SeedCalendar(), SYSTEM)
        rt.periodic("deadline-watcher", lambda: watcher.one_pass(service), conf.watcher_interval_seconds)
        async with contextlib.AsyncExitStack() as stack:
            # liaison visits name villages (field_visits): the ones the county admin added too
            await stack.enter_async_context(refreshing(service.deps.county, conf.reference_url,
                                                       conf.reference_refresh_s))
            if conf.liaison_intake:
                await stack.enter_async_context(running_intake(rt, service, app_id=conf.liaison_intake_id))
            await rt.serve_until(stop)  # raises (→ exit status 3) if the relay or the watcher is dead or stuck


def cli() -> None:
    settings = PetitionSettings()
    run_worker(settings, lambda stop: main(stop, settings), settings.metrics_port)


if __name__ == "__main__":
    cli()
