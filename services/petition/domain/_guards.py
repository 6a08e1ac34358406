"""Small input guards shared by the petition domain modules.

Every failure is an `InvalidInput` naming the field and the rule, so the HTTP edge can tell the
operator (in Chinese, English beside) exactly what to fix.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from minqing_kit.errors import InvalidInput

from .clocks import last_day

E = TypeVar("E", bound=StrEnum)


def require_aware(value: datetime, field: str) -> datetime:
    """Naive datetimes are refused: day boundaries are computed in Asia/Shanghai from real instants."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"{field} 须为带时区的时间 ({field} must be a timezone-aware datetime)",
            field=field,
            rule="timezone_aware",
        )
    return value


def require_text(value: str | None, field: str, *, max_len: int) -> str:
    """Trimmed, non-blank text of bounded length (content, reasons, replies)."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field} 不能为空 ({field} is required)", field=field, rule="required")
    if len(text) > max_len:
        raise InvalidInput(
            f"{field} 不能超过 {max_len} 字 ({field} must be at most {max_len} characters)",
            field=field,
            rule=f"max_length_{max_len}",
        )
    return text


def parse_enum(kind: type[E], value: str, field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(
            f"{field} 取值无效 ({field} must be one of {', '.join(m.value for m in kind)})",
            field=field,
            rule="one_of",
        ) from None


def require_within(now: datetime, until: datetime, field: str, rule: str, zh: str, en: str) -> None:
    """Refuse an act after its period ended (the period's last day is included)."""
    if now >= until:
        last = last_day(until)
        raise InvalidInput(f"{zh}已于{last}届满 ({en} ended on {last})", field=field, rule=rule)


def require_signer(value: str | None, field: str, rule: str, what: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > 64:
        raise InvalidInput(f"须有{what} ({field} is required, at most 64 characters)", field=field, rule=rule)
    return text
