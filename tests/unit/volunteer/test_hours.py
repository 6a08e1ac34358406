from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from minqing_kit.errors import Conflict, InvalidInput
from services.volunteer.domain.enums import HoursSource
from services.volunteer.domain.hours import (
    Period,
    ServiceSpan,
    ensure_no_overlap,
    find_overlap,
    hours_display,
    minutes_by_volunteer,
    total_minutes,
)
from services.volunteer.domain.record import (
    MAX_TRAINING_MINUTES,
    AwardEntry,
    EvaluationEntry,
    ServiceEntry,
    TrainingEntry,
    VolunteerRecord,
)

from .factories import at, span


def test_span_minutes_and_totals_per_volunteer() -> None:
    a, b = uuid4(), uuid4()
    spans = [span(a, 0, 90), span(b, 0, 45), span(a, 120, 150.9)]  # 30.9 minutes credits 30
    assert [s.minutes for s in spans] == [90, 45, 30]
    assert total_minutes(spans) == 165
    assert minutes_by_volunteer(spans) == {a: 120, b: 45}


def test_hours_display_one_decimal_half_up() -> None:
    assert hours_display(95) == Decimal("1.6")
    assert hours_display(90) == Decimal("1.5")
    assert hours_display(3) == Decimal("0.1")  # 0.05 rounds up
    assert hours_display(0) == Decimal("0.0")


@pytest.mark.parametrize(
    ("start", "end", "rule"),
    [(60, 60, "end_after_start"), (60, 30, "end_after_start"), (60, 60.5, "min_1_minute")],
)
def test_span_must_end_after_it_starts(start: float, end: float, rule: str) -> None:
    with pytest.raises(InvalidInput) as err:
        span(uuid4(), start, end)
    assert (err.value.field, err.value.rule) == ("spans", rule)


def test_naive_span_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        ServiceSpan(uuid4(), at(0).replace(tzinfo=None), at(10).replace(tzinfo=None))
    assert err.value.rule == "timezone_aware"


def test_overlap_for_one_volunteer_is_refused() -> None:
    v = uuid4()
    with pytest.raises(Conflict) as err:
        ensure_no_overlap([span(v, 0, 60), span(v, 59, 90)])
    assert (err.value.field, err.value.rule) == ("spans", "no_overlap_per_volunteer")
    with pytest.raises(Conflict):
        ensure_no_overlap([span(v, 10, 20)], existing=[span(v, 0, 60)])  # inside an existing span


def test_adjacent_spans_and_other_volunteers_do_not_overlap() -> None:
    v, w = uuid4(), uuid4()
    ensure_no_overlap([span(v, 0, 60), span(v, 60, 120)], existing=[span(v, 120, 180)])
    ensure_no_overlap([span(v, 0, 60), span(w, 0, 60)])
    assert find_overlap([span(v, 0, 60)], [span(w, 30, 90)]) is None


def entry(volunteer, start, end, recorder="城关镇生态环保志愿服务队", source=HoursSource.request):
    return ServiceEntry(source, uuid4(), span(volunteer, start, end), recorder)


def test_record_totals_for_a_period() -> None:
    v = uuid4()
    record = VolunteerRecord(v)
    day = 24 * 60
    record.add_services([entry(v, 0, 120), entry(v, day, day + 45)])
    record.add_services([entry(v, 3 * day, 3 * day + 30, source=HoursSource.activity)])
    assert record.total_minutes() == 195
    first_two_days = Period(at(0), at(2 * day))
    assert record.total_minutes(first_two_days) == 165
    assert record.total_hours(first_two_days) == Decimal("2.8")
    assert record.total_minutes(Period(at(2 * day), at(4 * day))) == 30


def test_record_refuses_overlap_atomically_and_foreign_entries() -> None:
    v = uuid4()
    record = VolunteerRecord(v)
    record.add_services([entry(v, 0, 60)])
    with pytest.raises(Conflict):
        record.add_services([entry(v, 100, 130), entry(v, 30, 90)])
    assert record.total_minutes() == 60  # nothing of the refused batch was kept
    with pytest.raises(InvalidInput) as err:
        record.add_services([entry(uuid4(), 200, 230)])
    assert err.value.rule == "same_volunteer"


def test_certificate_is_issued_by_the_recorder_for_its_own_entries() -> None:
    v = uuid4()
    record = VolunteerRecord(v)
    record.add_services(
        [entry(v, 0, 120, "生态环保队"), entry(v, 200, 230, "文明实践所"), entry(v, 300, 330, "生态环保队")]
    )
    record.add_training(TrainingEntry(at(400), "急救培训", 90, "生态环保队"))
    record.add_award(AwardEntry(at(500), "优秀志愿者", "文明实践中心"))
    period = Period(at(0), at(1000))
    assert record.issuers(period) == ["文明实践所", "生态环保队"]

    cert = record.certificate(period, issued_by="生态环保队", now=at(1000))
    assert (cert.volunteer_id, cert.issued_by, cert.total_minutes) == (v, "生态环保队", 150)
    assert cert.total_hours == Decimal("2.5") and len(cert.entries) == 2 and len(cert.trainings) == 1
    assert [c.total_minutes for c in record.certificates(period, now=at(1000))] == [30, 150]

    with pytest.raises(InvalidInput) as err:
        record.certificate(period, issued_by="别的单位", now=at(1000))
    assert (err.value.field, err.value.rule) == ("issued_by", "issuer_recorded_service")


def test_period_must_end_after_start() -> None:
    with pytest.raises(InvalidInput) as err:
        Period(at(10), at(10))
    assert (err.value.field, err.value.rule) == ("period", "end_after_start")


@pytest.mark.parametrize("when", [datetime(9999, 12, 31, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC),
                                  datetime(1999, 12, 31, 15, 59, tzinfo=UTC)])
def test_record_entries_are_dated_within_the_platform_range(when: datetime) -> None:
    record = VolunteerRecord(uuid4())
    for add, entry in ((record.add_training, TrainingEntry(when, "急救培训", 90, "生态环保队")),
                       (record.add_award, AwardEntry(when, "优秀志愿者", "县文明办")),
                       (record.add_evaluation, EvaluationEntry(when, "优秀", "县文明办"))):
        with pytest.raises(InvalidInput) as err:
            add(entry)  # type: ignore[operator]
        assert (err.value.field, err.value.rule) == ("at", "date_range")
    record.add_training(TrainingEntry(datetime(2000, 1, 1, tzinfo=UTC), "急救培训", 90, "生态环保队"))
    assert len(record.trainings) == 1


def test_training_minutes_have_a_ceiling() -> None:
    record = VolunteerRecord(uuid4())
    with pytest.raises(InvalidInput) as err:
        record.add_training(TrainingEntry(at(400), "急救培训", 10**15, "生态环保队"))
    assert (err.value.field, err.value.rule) == ("minutes", "max")
    record.add_training(TrainingEntry(at(400), "急救培训", MAX_TRAINING_MINUTES, "生态环保队"))
