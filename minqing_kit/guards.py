"""Input guards shared by the services' pure domains: each failure is an `InvalidInput` naming the
field and the rule, in Chinese for the operator with English beside it. No I/O, no clock."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from minqing_kit.errors import InvalidInput

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
    """Trimmed, non-blank text of bounded length (content, reasons, descriptions)."""
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


def require_count(value: int, field: str) -> int:
    """A whole number ≥ 0 (people, yuan); bools are refused although Python calls them ints."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(
            f"{field} 须为非负整数 ({field} must be a whole number >= 0)", field=field, rule="non_negative_int"
        )
    return value


def parse_enum(kind: type[E], value: str, field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(
            f"{field} 取值无效 ({field} must be one of {', '.join(m.value for m in kind)})",
            field=field,
            rule="one_of",
        ) from None


def require_actor(actor: str) -> str:
    """Every audited action names who did it (an operator id or a pseudonym, never a person's name)."""
    return require_text(actor, "actor", max_len=64)
