"""A volunteer's record (志愿服务记录, 《志愿服务条例》§19) and the certificates drawn from it.

The record holds service entries (hours), training, awards and evaluations. "Whoever organises
records, whoever records certifies" (谁组织、谁记录、谁证明): each entry names the organisation that
recorded it, and a certificate is issued by one organisation for the entries it recorded.
Certificates are free; nothing here prices them. An entry belongs to the period its span starts in.

A training, award or evaluation is dated between 2000-01-01 and 2100-12-31 (Beijing time) — the
platform's range for every date — and a training lasts at most `MAX_TRAINING_MINUTES`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

from minqing_kit.errors import InvalidInput

from ._guards import require_aware, require_text
from .enums import HoursSource
from .hours import Period, ServiceSpan, ensure_no_overlap, hours_display

_CST = timezone(timedelta(hours=8))
#: The dates a record entry may carry (the platform's range, as in minqing_contract.bounds).
EARLIEST_ENTRY = datetime(2000, 1, 1, tzinfo=_CST)
LATEST_ENTRY = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=_CST)
#: Ten million minutes (≈ 19 years): the platform's ceiling on minutes of one person's service.
MAX_TRAINING_MINUTES = 10_000_000


def _require_dated(at: datetime) -> None:
    require_aware(at, "at")
    if not EARLIEST_ENTRY <= at <= LATEST_ENTRY:
        raise InvalidInput("记录日期须在 2000-01-01 至 2100-12-31 之间 (a record entry must be dated between "
                           "2000-01-01 and 2100-12-31)", field="at", rule="date_range")


@dataclass(frozen=True)
class ServiceEntry:
    source: HoursSource
    source_id: UUID
    span: ServiceSpan
    recorded_by: str
    team_id: UUID | None = None

    @property
    def minutes(self) -> int:
        return self.span.minutes


@dataclass(frozen=True)
class TrainingEntry:
    at: datetime
    title: str
    minutes: int
    recorded_by: str


@dataclass(frozen=True)
class AwardEntry:
    at: datetime
    title: str
    awarded_by: str


@dataclass(frozen=True)
class EvaluationEntry:
    at: datetime
    result: str  # e.g. 优秀 / 合格, as the evaluating organisation words it
    evaluated_by: str


@dataclass(frozen=True)
class Certificate:
    """Data for a 志愿服务记录证明; rendering and signing belong to the adapters."""

    volunteer_id: UUID
    period: Period
    issued_by: str
    issued_at: datetime
    entries: tuple[ServiceEntry, ...]
    trainings: tuple[TrainingEntry, ...]
    total_minutes: int

    @property
    def total_hours(self) -> Decimal:
        return hours_display(self.total_minutes)


@dataclass
class VolunteerRecord:
    volunteer_id: UUID
    services: list[ServiceEntry] = field(default_factory=list)
    trainings: list[TrainingEntry] = field(default_factory=list)
    awards: list[AwardEntry] = field(default_factory=list)
    evaluations: list[EvaluationEntry] = field(default_factory=list)

    def add_services(self, entries: Iterable[ServiceEntry]) -> None:
        """All or nothing: refused if any entry is someone else's or overlaps time already credited."""
        entries = tuple(entries)
        for entry in entries:
            if entry.span.volunteer_id != self.volunteer_id:
                raise InvalidInput(
                    "服务记录不属于该志愿者 (entry belongs to another volunteer)",
                    field="volunteer_id",
                    rule="same_volunteer",
                )
            require_text(entry.recorded_by, "recorded_by", max_len=100)
        ensure_no_overlap((e.span for e in entries), (e.span for e in self.services))
        self.services.extend(entries)

    def add_training(self, entry: TrainingEntry) -> None:
        _require_dated(entry.at)
        require_text(entry.title, "title", max_len=200)
        require_text(entry.recorded_by, "recorded_by", max_len=100)
        if entry.minutes < 0:
            raise InvalidInput(
                "培训时长不能为负 (training minutes cannot be negative)", field="minutes", rule="min_0"
            )
        if entry.minutes > MAX_TRAINING_MINUTES:
            raise InvalidInput(f"培训时长不能超过 {MAX_TRAINING_MINUTES} 分钟 (training minutes above "
                               f"{MAX_TRAINING_MINUTES})", field="minutes", rule="max")
        self.trainings.append(entry)

    def add_award(self, entry: AwardEntry) -> None:
        _require_dated(entry.at)
        require_text(entry.title, "title", max_len=200)
        require_text(entry.awarded_by, "awarded_by", max_len=100)
        self.awards.append(entry)

    def add_evaluation(self, entry: EvaluationEntry) -> None:
        _require_dated(entry.at)
        require_text(entry.result, "result", max_len=200)
        require_text(entry.evaluated_by, "evaluated_by", max_len=100)
        self.evaluations.append(entry)

    def spans(self) -> list[ServiceSpan]:
        """Time already credited, for overlap checks against a new close-out or activity."""
        return [e.span for e in self.services]

    def entries_in(self, period: Period | None = None) -> list[ServiceEntry]:
        chosen = [e for e in self.services if period is None or period.contains(e.span.start)]
        return sorted(chosen, key=lambda e: e.span.start)

    def total_minutes(self, period: Period | None = None) -> int:
        return sum(e.minutes for e in self.entries_in(period))

    def total_hours(self, period: Period | None = None) -> Decimal:
        return hours_display(self.total_minutes(period))

    def issuers(self, period: Period) -> list[str]:
        """Organisations that recorded service in the period, i.e. those that can certify it."""
        return sorted({e.recorded_by for e in self.entries_in(period)})

    def certificate(self, period: Period, *, issued_by: str, now: datetime) -> Certificate:
        require_aware(now, "now")
        entries = tuple(e for e in self.entries_in(period) if e.recorded_by == issued_by)
        if not entries:
            raise InvalidInput(
                f"「{issued_by}」在该期间没有记录此志愿者的服务，不能出具证明"
                f" ({issued_by} recorded no service for this volunteer in the period)",
                field="issued_by",
                rule="issuer_recorded_service",
            )
        trainings = tuple(t for t in self.trainings if t.recorded_by == issued_by and period.contains(t.at))
        return Certificate(
            volunteer_id=self.volunteer_id,
            period=period,
            issued_by=issued_by,
            issued_at=now,
            entries=entries,
            trainings=trainings,
            total_minutes=sum(e.minutes for e in entries),
        )

    def certificates(self, period: Period, *, now: datetime) -> list[Certificate]:
        """One certificate per recording organisation."""
        return [self.certificate(period, issued_by=org, now=now) for org in self.issuers(period)]
