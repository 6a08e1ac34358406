"""The request (微心愿) aggregate: a villager's wish from 点单 to 评单.

Every action takes the actor and `now`, checks the transition table (`lifecycle.TRANSITIONS`),
appends an audit entry and records domain events in `events` for the unit of work to publish.
Inputs are checked before anything changes, so a refused action leaves the request untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from uuid import UUID

from minqing_kit.errors import BrokenInvariant, Conflict, InvalidInput

from . import events as ev
from ._guards import parse_enum, require_actor, require_aware, require_text
from .dispatch import (
    DEFAULT_ACCEPT_TIMEOUT,
    choose_team,
    eligible,
    escalation_due,
    next_level,
    require_available,
)
from .divisions import require_level
from .enums import HoursSource, Level, RequestStatus, Specialty, Urgency
from .hours import (
    ServiceSpan,
    check_window,
    ensure_no_overlap,
    hours_recorded_events,
    minutes_by_volunteer,
    total_minutes,
)
from .lifecycle import AuditEntry, TimeWindow
from .network import Team
from .request_state import RequestState

S = RequestStatus


class Request(RequestState):
    """The 微心愿 aggregate; see `lifecycle` for the state machine and `RequestState` for its fields."""

    # ----- 点单 / 审单 -------------------------------------------------------------------------
    @classmethod
    def submit(
        cls,
        *,
        id: UUID,
        category: Specialty | str,
        village_code: str,
        description: str,
        urgency: Urgency | str,
        requester: str,
        actor: str,
        now: datetime,
        preferred_window: TimeWindow | None = None,
    ) -> Request:
        require_aware(now, "now")
        req = cls(
            id=id,
            category=parse_enum(Specialty, category, "category"),
            village_code=require_level(village_code, Level.village, "village_code"),
            description=require_text(description, "description", max_len=1000),
            urgency=parse_enum(Urgency, urgency, "urgency"),
            requester=require_text(requester, "requester", max_len=64),
            submitted_at=now,
            preferred_window=preferred_window,
        )
        req.audit.append(AuditEntry(now, require_actor(actor), "submit", S.submitted, S.submitted))
        req._record(ev.RequestSubmitted, now, urgency=req.urgency, requester=req.requester)
        return req

    def approve(self, *, actor: str, now: datetime) -> None:
        self._begin("approve", actor, now)
        self._move("approve", S.approved, actor, now)
        self.approved_at = now
        self._record(ev.RequestApproved, now)

    def reject(self, reason: str, *, actor: str, now: datetime) -> None:
        self._begin("reject", actor, now)
        reason = require_text(reason, "reason", max_len=500)
        self._move("reject", S.rejected, actor, now, reason)
        self.closed_at, self.close_reason = now, reason
        self._record(ev.RequestRejected, now, reason=reason)

    # ----- 派单 ---------------------------------------------------------------------------------
    def auto_dispatch(
        self, teams: Iterable[Team], open_counts: Mapping[UUID, int], *, actor: str, now: datetime
    ) -> Team | None:
        """Dispatch to the nearest suitable team; with none, flag for manual dispatch (never dropped)."""
        self._begin("dispatch", actor, now)
        team = choose_team(
            self.category, self.village_code, teams, open_counts, self.excluded_team_ids, self.min_level
        )
        if team is None:
            # A retry from needs_manual_dispatch (e.g. once capacity frees up) that still finds
            # nobody changes nothing, so a periodic retry does not flood the audit and the events.
            if self.status is not S.needs_manual_dispatch:
                self._flag_manual("dispatch", "no_team", actor, now)
        else:
            self._dispatch("dispatch", team, actor, now)
        return team

    def dispatch_to(self, team: Team, *, open_count: int, actor: str, now: datetime) -> None:
        """An admin's own choice: coverage, specialty and earlier declines are the admin's to judge."""
        self._begin("dispatch", actor, now)
        require_available(team, open_count)
        self._dispatch("dispatch", team, actor, now)

    def grab(self, team: Team, *, open_count: int, actor: str, now: datetime) -> None:
        """抢单: a team takes an undispatched request itself, if it could have been dispatched to it."""
        self._begin("grab", actor, now)
        if not eligible(team, self.category, self.village_code, open_count, exclude=self.excluded_team_ids):
            raise Conflict(
                "该服务队不能抢此单（领域、辖区、接单上限或已拒单）"
                " (team cannot grab: specialty, coverage, capacity or earlier decline)",
                field="team_id",
                rule="team_eligible",
            )
        self._move("grab", S.accepted, actor, now)
        self.team_id, self.team_level, self.grabbed, self.accepted_at = team.id, team.level, True, now
        self._record(ev.RequestAccepted, now, team_id=team.id, team_level=team.level, grabbed=True)

    # ----- 接单 / 拒单 / 升级 ---------------------------------------------------------------------
    def accept(self, team_id: UUID, *, actor: str, now: datetime) -> None:
        self._begin("accept", actor, now)
        self._require_current_team(team_id)
        self._move("accept", S.accepted, actor, now)
        self.accepted_at, self.grabbed = now, False
        self._record(ev.RequestAccepted, now, team_id=team_id, team_level=self.team_level, grabbed=False)

    def decline(self, team_id: UUID, reason: str, *, actor: str, now: datetime) -> None:
        """Back to approved for re-dispatch; the declining team is not asked again."""
        self._begin("decline", actor, now)
        self._require_current_team(team_id)
        reason = require_text(reason, "reason", max_len=500)
        self._move("decline", S.approved, actor, now, reason)
        self.excluded_team_ids.add(team_id)
        self._release_team()
        self._record(ev.RequestDeclined, now, team_id=team_id, reason=reason)

    def escalation_due(self, now: datetime, accept_timeout: timedelta = DEFAULT_ACCEPT_TIMEOUT) -> bool:
        return (
            self.status is S.dispatched
            and self.current_dispatch_at is not None
            and escalation_due(self.current_dispatch_at, now, accept_timeout)
        )

    def escalate(
        self,
        teams: Iterable[Team],
        open_counts: Mapping[UUID, int],
        *,
        actor: str,
        now: datetime,
        accept_timeout: timedelta = DEFAULT_ACCEPT_TIMEOUT,
    ) -> Team | None:
        """Not accepted in time: dispatch one level up, or flag for manual dispatch when none is left."""
        self._begin("escalate", actor, now)
        if not self.escalation_due(now, accept_timeout):
            raise Conflict(
                "接单时限未到，不能升级 (the accept timeout has not run out yet)",
                field="dispatched_at",
                rule="accept_timeout_reached",
            )
        if self.team_id is None:
            raise BrokenInvariant("点单 (request)", "team_id", "set_while_dispatched")
        if self.team_level is None:
            raise BrokenInvariant("点单 (request)", "team_level", "set_while_dispatched")
        from_team, from_level = self.team_id, self.team_level
        up = next_level(from_level)
        team = None
        if up is not None:
            team = choose_team(
                self.category, self.village_code, teams, open_counts, self.excluded_team_ids, up
            )
        if team is None:
            self._flag_manual("escalate", "escalation_exhausted", actor, now)
            return None
        self.min_level = team.level
        self._record(
            ev.RequestEscalated, now, from_team_id=from_team, from_level=from_level, to_level=team.level
        )
        self._dispatch("escalate", team, actor, now)
        return team

    def redispatch(
        self, reason: str, *, actor: str, now: datetime, team: Team | None = None, open_count: int = 0
    ) -> None:
        """Admin takes the request from its team: to `team` if named, else back to approved."""
        self._begin("redispatch", actor, now)
        reason = require_text(reason, "reason", max_len=500)
        if self.team_id is None:
            raise BrokenInvariant("点单 (request)", "team_id", "set_while_dispatched")
        from_team = self.team_id
        if team is not None:
            if team.id == from_team:
                raise Conflict(
                    "须改派给其他服务队 (re-dispatch to another team)", field="team_id", rule="different_team"
                )
            require_available(team, open_count)
        self.excluded_team_ids.add(from_team)
        self._record(ev.RequestRedispatched, now, from_team_id=from_team, reason=reason)
        if team is None:
            self._move("redispatch", S.approved, actor, now, reason)
            self._release_team()
        else:
            self._dispatch("redispatch", team, actor, now, reason)

    # ----- 服务 / 评单 / 取消 ----------------------------------------------------------------------
    def start(self, *, actor: str, now: datetime) -> None:
        self._begin("start", actor, now)
        self._move("start", S.in_service, actor, now)
        self.started_at = now
        self._record(ev.ServiceStarted, now, team_id=self.team_id)

    def complete(
        self,
        spans: Iterable[ServiceSpan],
        *,
        actor: str,
        now: datetime,
        existing_spans: Iterable[ServiceSpan] = (),
        recorded_by: str | None = None,
    ) -> None:
        """Close-out report: each volunteer's actual service spans (travel excluded).

        `existing_spans` are the same volunteers' spans already on record elsewhere (other requests,
        activities); the service layer loads them so nobody is credited twice for the same time.
        """
        self._begin("complete", actor, now)
        spans = tuple(spans)
        if not spans:
            raise InvalidInput(
                "结单须填报服务时段 (close-out needs at least one span)", field="spans", rule="min_1"
            )
        check_window(spans, not_before=self.started_at, now=now)
        ensure_no_overlap(spans, existing_spans)
        self._move("complete", S.completed, actor, now)
        self.spans, self.completed_at = spans, now
        per_volunteer = minutes_by_volunteer(spans)
        self._record(
            ev.ServiceCompleted,
            now,
            team_id=self.team_id,
            volunteers=len(per_volunteer),
            total_minutes=total_minutes(spans),
        )
        # The organising team records the hours, so by default it is the one that certifies them.
        self.events.extend(
            hours_recorded_events(
                spans,
                source=HoursSource.request,
                source_id=self.id,
                team_id=self.team_id,
                township_code=self.township_code,
                recorded_by=recorded_by or str(self.team_id),
                now=now,
            )
        )

    def rate(self, stars: int, *, actor: str, now: datetime, comment: str = "") -> None:
        self._begin("rate", actor, now)
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            raise InvalidInput("评分须为 1–5 星 (stars must be 1 to 5)", field="stars", rule="range_1_5")
        comment = (comment or "").strip()
        if len(comment) > 500:
            raise InvalidInput(
                "评价不能超过 500 字 (comment must be at most 500 characters)",
                field="comment",
                rule="max_length_500",
            )
        self._move("rate", S.rated, actor, now)
        self.stars, self.comment, self.rated_at = stars, comment, now
        self._record(ev.RequestRated, now, team_id=self.team_id, stars=stars)

    def cancel(self, reason: str, *, actor: str, now: datetime) -> None:
        self._begin("cancel", actor, now)
        reason = require_text(reason, "reason", max_len=500)
        from_status = self.status
        self._move("cancel", S.cancelled, actor, now, reason)
        self.closed_at, self.close_reason = now, reason
        self._record(ev.RequestCancelled, now, from_status=from_status, reason=reason)
