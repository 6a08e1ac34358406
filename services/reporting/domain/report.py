"""A report's shape (月报 / 季报): titled tables of rows, one kind per column, ready to render.

`service_layer.exports` fills it; `adapters.spreadsheets` renders it as Excel or CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.reporting.domain.periods import Period


@dataclass(frozen=True)
class Table:
    name: str
    headers: list[str]
    kinds: list[str]  # per column: int | num | rate | text
    rows: list[list[Any]]


@dataclass(frozen=True)
class Report:
    title: str
    period: Period
    tables: list[Table]
