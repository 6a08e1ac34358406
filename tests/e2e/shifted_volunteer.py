"""The volunteer API as devstack runs it, but with a clock the browser test can move forward.

A 结单 credits only time already past (a span may not end in the future) and at least a minute of it,
so a browser journey bounded well under a minute needs the service's clock to run ahead, as the
integration tests' ShiftedClock does in-process. Here the API is a real uvicorn process behind the real
proxy: it reads the offset (seconds) from the file named by `STATION_E2E_CLOCK_FILE` (not a `MINQING_*`
name: the services' settings own those, and the platform fixture passes only its own).
Test-only: nothing in services/ knows this module.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from minqing_kit.clock import system_clock
from services.volunteer.entrypoints.api import create_volunteer_app

CLOCK_FILE_ENV = "STATION_E2E_CLOCK_FILE"


class FileShiftedClock:
    """The system clock plus the offset (seconds) in the file `STATION_E2E_CLOCK_FILE` names, read at each
    call (so the module imports without it); no file or an empty one: no offset."""

    def __call__(self) -> datetime:
        path = Path(os.environ[CLOCK_FILE_ENV])
        try:
            offset = float(path.read_text(encoding="utf-8") or 0)
        except FileNotFoundError:
            offset = 0.0
        return system_clock() + timedelta(seconds=offset)


app = create_volunteer_app(clock=FileShiftedClock())
