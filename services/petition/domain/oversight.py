"""Oversight of a matter: 复查 / 复核 by the higher body (§35–36), 督办 (§40) and the deadline watcher.

A mixin of the Matter aggregate (see `matter.Matter`), kept apart so each module stays readable.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from minqing_kit.errors import BrokenInvariant, InvalidInput
from minqing_kit.workdays import WorkdayCalendar

from . import clocks as ck
from . import events as ev
from ._guards import parse_enum, require_aware, require_text, require_within
from .enums import AlertLevel, ReviewLevel, ReviewOutcome
from .lifecycle import Actor, Supervision
from .matter_state import MatterState


class Oversight(MatterState):
    """Actions after the reply and across the whole life: reviews, supervision, deadline alerts."""

    # ----- 复查 / 复核 ----------------------------------------------------------------------------
    def request_review(self, *, reason: str, actor: Actor, now: datetime) -> None:
        self._begin("request_review", actor, now)
        if self.replied_at is None:
            raise BrokenInvariant("信访事项 (matter)", "replied_at", "set_once_replied")
        until = ck.review_request_until(self.replied_at, self.clocks)
        require_within(
            now, until, "review", "review_request_window", "复查申请期限", "the review request window"
        )
        reason = require_text(reason, "reason", max_len=2000)
        self._move("request_review", actor, now, reason)
        self.review_requested_at = now
        self._record(
            ev.ReviewRequested,
            now,
            level=ReviewLevel.review,
            requested_at=now,
            decision_due_at=ck.review_decision_due(now, self.clocks),
        )

    def decide_review(
        self, *, outcome: ReviewOutcome | str, opinion: str, actor: Actor, now: datetime
    ) -> None:
        self._begin("decide_review", actor, now)
        result = parse_enum(ReviewOutcome, outcome, "outcome")
        opinion = require_text(opinion, "opinion", max_len=10000)
        if self.review_requested_at is None:
            raise BrokenInvariant("信访事项 (matter)", "review_requested_at", "set_once_review_requested")
        self._move("decide_review", actor, now, f"{result.value}: {opinion}")
        self.review_decided_at, self.review_outcome = now, result
        self._record(
            ev.ReviewDecided,
            now,
            level=ReviewLevel.review,
            outcome=result,
            requested_at=self.review_requested_at,
            decided_at=now,
            final=False,
            decision_due_at=ck.review_decision_due(self.review_requested_at, self.clocks),
        )

    def request_re_review(self, *, reason: str, actor: Actor, now: datetime) -> None:
        self._begin("request_re_review", actor, now)
        if self.review_decided_at is None:
            raise BrokenInvariant("信访事项 (matter)", "review_decided_at", "set_once_review_decided")
        until = ck.re_review_request_until(self.review_decided_at, self.clocks)
        require_within(
            now,
            until,
            "re_review",
            "re_review_request_window",
            "复核申请期限",
            "the re-review request window",
        )
        reason = require_text(reason, "reason", max_len=2000)
        self._move("request_re_review", actor, now, reason)
        self.re_review_requested_at = now
        self._record(
            ev.ReviewRequested,
            now,
            level=ReviewLevel.re_review,
            requested_at=now,
            decision_due_at=ck.re_review_decision_due(now, self.clocks),
        )

    def decide_re_review(
        self, *, outcome: ReviewOutcome | str, opinion: str, actor: Actor, now: datetime
    ) -> None:
        """The 复核 decision ends the matter: the same facts are not accepted again (§36)."""
        self._begin("decide_re_review", actor, now)
        result = parse_enum(ReviewOutcome, outcome, "outcome")
        opinion = require_text(opinion, "opinion", max_len=10000)
        if self.re_review_requested_at is None:
            raise BrokenInvariant("信访事项 (matter)", "re_review_requested_at", "set_once_re_review_requested")
        self._move("decide_re_review", actor, now, f"{result.value}: {opinion}")
        self.re_review_decided_at, self.re_review_outcome = now, result
        self._record(
            ev.ReviewDecided,
            now,
            level=ReviewLevel.re_review,
            outcome=result,
            requested_at=self.re_review_requested_at,
            decided_at=now,
            final=True,
            decision_due_at=ck.re_review_decision_due(self.re_review_requested_at, self.clocks),
        )

    # ----- 督办 and the watcher -------------------------------------------------------------------
    def supervise(self, *, actor: Actor, now: datetime, note: str = "") -> None:
        """§40: a county supervisor's 督办 on an overdue matter; a record, not a state."""
        self._begin("supervise", actor, now)
        overdue = tuple(a.kind for a in self.due_alerts(now) if a.level is AlertLevel.overdue)
        if not overdue:
            raise InvalidInput(
                "只能督办已超期的事项 (only overdue matters can be supervised)",
                field="status",
                rule="overdue_only",
            )
        note = note.strip()[:1000]
        self._move("supervise", actor, now, ", ".join(overdue) + (f": {note}" if note else ""))
        self.supervisions.append(Supervision(actor.user_id, now, overdue, note))
        self._record(ev.MatterSupervised, now, supervisor=actor.user_id, overdue=overdue, supervised_at=now)

    def flag_deadlines(self, now: datetime) -> list[ck.DueAlert]:
        """Record DeadlineApproaching / DeadlineOverdue once per alert key; returns the new alerts.

        `alerts_raised` holds the keys already announced; the repository stores it with the matter,
        so a watcher that restarts does not announce a deadline twice.
        """
        new = []
        for alert in self.due_alerts(now):
            if alert.key in self.alerts_raised:
                continue
            self.alerts_raised.add(alert.key)
            new.append(alert)
            event = ev.DeadlineOverdue if alert.level is AlertLevel.overdue else ev.DeadlineApproaching
            self._record(event, now, deadline=alert.kind, due_at=alert.due_at, alert_key=alert.key)
        return new

    def apply_calendar(self, calendar: WorkdayCalendar, now: datetime) -> list[ev.DeadlineRecomputed]:
        """Count the open deadlines with `calendar` (a year entered or corrected); record each that moved.

        A deadline that keeps its date records nothing (it may stop being provisional, which the views
        show). A moved deadline gets new alert keys (the due instant is in the key), so the watcher
        announces it again at its new date.
        """
        require_aware(now, "now")
        before = {d.kind: d for d in self.deadlines() if d.satisfied_at is None}
        self.clocks = replace(self.clocks, calendar=calendar)
        first = len(self.events)
        for d in self.deadlines():
            old = before.get(d.kind)
            if d.satisfied_at is None and old is not None and old.due_at != d.due_at:
                self._record(ev.DeadlineRecomputed, now, deadline=d.kind, previous_due_at=old.due_at,
                             due_at=d.due_at, provisional=d.provisional)
        return [e for e in self.events[first:] if isinstance(e, ev.DeadlineRecomputed)]
