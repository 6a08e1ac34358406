"""Which handler runs each command (cosmicpython's `COMMAND_HANDLERS`); `bootstrap.py` binds their deps."""

from __future__ import annotations

from typing import Any

from minqing_kit.bus import Command, Handler
from services.volunteer.service_layer import commands as c
from services.volunteer.service_layer import handlers as h
from services.volunteer.service_layer import network_handlers as n

HANDLERS: dict[type[Command[Any]], Handler] = {
    c.SubmitRequest: h.submit,
    c.RequestAction: h.simple,
    c.WithReason: h.with_reason,
    c.TeamAction: h.team_action,
    c.CompleteService: h.complete,
    c.RateService: h.rate,
    c.DispatchApproved: h.dispatch_approved,
    c.Escalate: h.escalate,
    c.RegisterStation: n.register_station,
    c.RegisterServicePoint: n.register_service_point,
    c.RegisterTeam: n.register_team,
    c.RegisterVolunteer: n.register_volunteer,
    c.RecordActivity: n.record_activity,
    c.AddRecordEntry: n.add_record_entry,
}
