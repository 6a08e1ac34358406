"""Organised activities (义诊, 爱国卫生, 普法宣传, 文艺演出 ...) and their person-times (人次) and hours.

An activity is recorded after it is held, with each participant's actual service span; the
organising organisation records the hours and so certifies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from minqing_kit.errors import InvalidInput

from ._guards import parse_enum, require_aware, require_text
from .divisions import township_of
from .enums import ActivityType, HoursSource
from .events import ActivityHeld, DomainEvent
from .hours import ServiceSpan, check_window, ensure_no_overlap, hours_recorded_events, total_minutes


@dataclass(eq=False)
class Activity:
    id: UUID
    activity_type: ActivityType
    title: str
    team_id: UUID
    place_code: str  # township or village where it was held
    held_at: datetime
    participants: tuple[ServiceSpan, ...]
    organiser: str  # the recording (and certifying) organisation
    recorded_at: datetime
    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def record(
        cls,
        *,
        id: UUID,
        activity_type: ActivityType | str,
        title: str,
        team_id: UUID,
        place_code: str,
        held_at: datetime,
        participants: Iterable[ServiceSpan],
        organiser: str,
        now: datetime,
        existing_spans: Iterable[ServiceSpan] = (),
    ) -> Activity:
        """`existing_spans`: the participants' spans already on record, so no time is credited twice."""
        require_aware(now, "now")
        require_aware(held_at, "held_at")
        if held_at > now:
            raise InvalidInput(
                "活动尚未举行 (activity has not been held yet)", field="held_at", rule="not_in_future"
            )
        # A county square still lies in a township (街道), and reports are by township.
        township = township_of(place_code, "place_code")
        spans = tuple(participants)
        if not spans:
            raise InvalidInput(
                "活动至少要有一名参与志愿者 (an activity needs a participant)",
                field="participants",
                rule="min_1",
            )
        check_window(spans, not_before=None, now=now)
        ensure_no_overlap(spans, existing_spans)
        activity = cls(
            id=id,
            activity_type=parse_enum(ActivityType, activity_type, "activity_type"),
            title=require_text(title, "title", max_len=200),
            team_id=team_id,
            place_code=place_code,
            held_at=held_at,
            participants=spans,
            organiser=require_text(organiser, "organiser", max_len=100),
            recorded_at=now,
        )
        activity.events.append(
            ActivityHeld(
                occurred_at=now,
                activity_id=id,
                team_id=team_id,
                activity_type=activity.activity_type,
                division_code=place_code,
                township_code=township,
                held_at=held_at,
                person_times=activity.person_times,
                total_minutes=activity.total_minutes,
            )
        )
        activity.events.extend(
            hours_recorded_events(
                spans,
                source=HoursSource.activity,
                source_id=id,
                team_id=team_id,
                township_code=township,
                recorded_by=activity.organiser,
                now=now,
            )
        )
        return activity

    @property
    def person_times(self) -> int:
        """人次: one per participant entry (a volunteer serving morning and afternoon counts twice)."""
        return len(self.participants)

    @property
    def volunteer_count(self) -> int:
        return len({span.volunteer_id for span in self.participants})

    @property
    def total_minutes(self) -> int:
        return total_minutes(self.participants)
