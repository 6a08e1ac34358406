from __future__ import annotations

from uuid import uuid4

import pytest

from minqing_kit.errors import Conflict, InvalidInput
from services.volunteer.domain import events as ev
from services.volunteer.domain.activity import Activity
from services.volunteer.domain.enums import ActivityType, HoursSource

from .factories import COUNTY, TOWNSHIP, VILLAGE, at, span


def hold(participants, place=VILLAGE, existing=(), held=0):
    return Activity.record(
        id=uuid4(), activity_type=ActivityType.free_clinic, title="村卫生所义诊", team_id=uuid4(),
        place_code=place, held_at=at(held), participants=participants, organiser="城关镇医疗志愿服务队",
        now=at(600), existing_spans=existing,
    )  # fmt: skip


def test_person_times_and_total_hours() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    activity = hold([span(a, 0, 180), span(b, 0, 120), span(c, 30, 90), span(a, 240, 300)])
    assert activity.person_times == 4  # 人次: one per participant entry
    assert activity.volunteer_count == 3
    assert activity.total_minutes == 180 + 120 + 60 + 60
    held = activity.events[0]
    assert isinstance(held, ev.ActivityHeld)
    assert (held.person_times, held.total_minutes, held.township_code) == (4, 420, TOWNSHIP)
    hours = {e.volunteer_id: e.minutes for e in activity.events if isinstance(e, ev.HoursRecorded)}
    assert hours == {a: 240, b: 120, c: 60}
    assert all(e.source is HoursSource.activity for e in activity.events[1:])
    assert ActivityType.sanitation.label == "爱国卫生"


def test_activity_checks() -> None:
    v = uuid4()
    with pytest.raises(InvalidInput) as err:
        hold([])
    assert (err.value.field, err.value.rule) == ("participants", "min_1")
    with pytest.raises(InvalidInput) as err:
        hold([span(v, 0, 60)], place=COUNTY)
    assert (err.value.field, err.value.rule) == ("place_code", "township_or_village_code")
    with pytest.raises(InvalidInput) as err:
        hold([span(v, 0, 60)], held=700)
    assert (err.value.field, err.value.rule) == ("held_at", "not_in_future")
    with pytest.raises(Conflict) as conflict:
        hold([span(v, 0, 60)], existing=[span(v, 30, 45)])
    assert conflict.value.rule == "no_overlap_per_volunteer"
    assert hold([span(v, 0, 60)], place=TOWNSHIP).person_times == 1
