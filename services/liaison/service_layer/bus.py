"""Which handler runs each command (cosmicpython's `COMMAND_HANDLERS`); `bootstrap.py` binds their deps."""

from __future__ import annotations

from typing import Any

from minqing_kit.bus import Command, Handler
from services.liaison.service_layer import commands as c
from services.liaison.service_layer import household_handlers as hh
from services.liaison.service_layer import stationing_handlers as sh

HANDLERS: dict[type[Command[Any]], Handler] = {
    c.RegisterCadreContact: sh.register_cadre_contact,
    c.StationCadre: sh.station_cadre,
    c.EndStationing: sh.end_stationing,
    c.RecordPresence: sh.record_presence,
    c.SubmitWeeklyReport: sh.submit_weekly_report,
    c.CloseWeek: sh.close_week,
    c.ReportMisconduct: sh.report_misconduct,
    c.FollowUpMisconduct: sh.follow_up_misconduct,
    c.RegisterHousehold: hh.register_household,
    c.UpdateHousehold: hh.update_household,
    c.PlanHelpItem: hh.plan_help_item,
    c.RecordHelpProgress: hh.record_help_progress,
    c.PairHousehold: hh.pair_household,
    c.ReissueCard: hh.reissue_card,
    c.RecordVisit: hh.record_visit,
}
