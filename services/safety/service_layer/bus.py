"""Which handler runs each command (cosmicpython's `COMMAND_HANDLERS`); `bootstrap.py` binds their deps."""

from __future__ import annotations

from typing import Any

from minqing_kit.bus import Command, Handler
from services.safety.service_layer import commands as c
from services.safety.service_layer import handlers as h
from services.safety.service_layer import rulings as r

HANDLERS: dict[type[Command[Any]], Handler] = {
    c.RegisterEnterprise: h.register_enterprise,
    c.RecordInspection: h.record_inspection,
    c.SubmitPlan: h.submit_plan,
    c.ReportRectification: h.report_rectification,
    c.Reinspect: h.reinspect,
    c.ImposePenalty: h.impose_penalty,
    c.RecordRefusal: h.record_refusal,
    c.MarkPublished: h.mark_published,
    c.ReportAccident: h.report_accident,
    c.ResumeEnterprise: h.resume_enterprise,
    c.TownshipSuspension: h.suspend_township_industry,
    c.RecordFollowUp: h.record_follow_up_batch,
    c.NotifyOverdue: h.notify_overdue,
    c.CloseInvestigation: r.close_investigation,
    c.AcceptResumption: r.accept_resumption,
    c.DecideClosure: r.decide_closure,
}
