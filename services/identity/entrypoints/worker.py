"""Identity worker: `python -m services.identity.entrypoints.worker` — the outbox relay publishing the
`identity.*` audit events, and an hourly purge of expired refresh tokens."""

from __future__ import annotations

import asyncio

from minqing_kit.runtime import ServiceRuntime, run_worker
from services.identity.bootstrap import MIGRATIONS, bootstrap
from services.identity.service_layer import commands as c
from services.identity.settings import IdentitySettings

PURGE_INTERVAL_S = 3600.0


def main() -> None:
    settings = IdentitySettings()

    async def _main(stop: asyncio.Event) -> None:
        async with ServiceRuntime.open(settings, migrations=[("identity", MIGRATIONS)], run_relay=True) as rt:
            service = bootstrap(rt, settings)
            rt.periodic("purge-expired-sessions", lambda: service.bus.handle(c.PurgeExpiredSessions(), c.SYSTEM),
                        PURGE_INTERVAL_S)
            await rt.serve_until(stop)

    run_worker(settings, _main, settings.metrics_port)


if __name__ == "__main__":
    main()
