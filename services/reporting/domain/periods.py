"""Reporting periods: calendar months (一月一排名) and quarters (一季一考核), Asia/Shanghai days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

_ZH_QUARTER = ("一", "二", "三", "四")


class PeriodKind(StrEnum):
    month = "month"
    quarter = "quarter"


@dataclass(frozen=True, order=True)
class Period:
    """A month (index 1–12) or a quarter (index 1–4) of a year; `start`/`end` are inclusive days."""

    kind: PeriodKind
    year: int
    index: int

    def __post_init__(self) -> None:
        top = 12 if self.kind is PeriodKind.month else 4
        if not 1 <= self.index <= top:
            raise ValueError(f"{self.kind} index must be 1–{top}, got {self.index}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(PeriodKind.month, year, month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        return cls(PeriodKind.quarter, year, quarter)

    @classmethod
    def containing(cls, day: date, kind: PeriodKind | str) -> Period:
        kind = PeriodKind(kind)
        index = day.month if kind is PeriodKind.month else (day.month - 1) // 3 + 1
        return cls(kind, day.year, index)

    @property
    def months(self) -> int:
        return 1 if self.kind is PeriodKind.month else 3

    @property
    def start(self) -> date:
        first_month = self.index if self.kind is PeriodKind.month else 3 * self.index - 2
        return date(self.year, first_month, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def _shift(self, steps: int) -> Period:
        per_year = 12 if self.kind is PeriodKind.month else 4
        n = self.year * per_year + (self.index - 1) + steps
        return Period(self.kind, n // per_year, n % per_year + 1)

    def previous(self) -> Period:
        return self._shift(-1)

    def next(self) -> Period:
        return self._shift(1)

    @property
    def label(self) -> str:
        return f"{self.year}-{self.index:02d}" if self.kind is PeriodKind.month else f"{self.year}-Q{self.index}"

    @property
    def label_zh(self) -> str:
        if self.kind is PeriodKind.month:
            return f"{self.year}年{self.index}月"
        return f"{self.year}年第{_ZH_QUARTER[self.index - 1]}季度"
