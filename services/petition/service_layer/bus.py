"""Which handler runs each command (cosmicpython's `COMMAND_HANDLERS`); `bootstrap.py` binds their deps."""

from __future__ import annotations

from typing import Any

from minqing_kit.bus import Command, Handler

from . import calendar, field_visits, handlers
from . import commands as c

HANDLERS: dict[type[Command[Any]], Handler] = {
    c.RegisterMatter: handlers.register,
    c.Act: handlers.act,
    c.PublicAct: handlers.public_act,
    c.FlagDeadlines: handlers.flag_deadlines,
    c.HashClearLookupCodes: handlers.hash_clear_lookup_codes,
    c.EnterYear: calendar.enter_year,
    c.SeedCalendar: calendar.seed,
    c.RegisterFromVisit: field_visits.register_from_visit,
}
