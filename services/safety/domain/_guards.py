"""Small input guards and the audit entry shared by the safety domain modules.

Every failure is an `InvalidInput` naming the field and the rule, so the HTTP edge can tell the
operator (in Chinese, English beside) exactly what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from minqing_kit.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)


def require_aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"{field} 须为带时区的时间 ({field} must be a timezone-aware datetime)",
            field=field,
            rule="timezone_aware",
        )
    return value


def require_text(value: str | None, field: str, *, max_len: int) -> str:
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
    """Every audited action names who did it (an operator id, never a person's name)."""
    return require_text(actor, "actor", max_len=64)


def require_township(code: str, field: str = "township_code") -> str:
    """A 12-digit township (乡镇/街道) code: digits 7–9 set, 10–12 zero, county part not above county."""
    if not isinstance(code, str) or len(code) != 12 or not code.isdigit():
        raise InvalidInput(
            f"区划代码须为 12 位数字 (division code must be 12 digits): {code!r}", field=field,
            rule="division_code_12_digits",
        )
    if code[4:6] == "00" or code[6:9] == "000" or code[9:] != "000":
        raise InvalidInput(
            f"{code} 不是乡镇级区划代码 (not a township-level division code)", field=field, rule="township_code"
        )
    return code


def not_before(now: datetime, previous: datetime | None, field: str = "now") -> None:
    """Out-of-order clocks would make reporting durations negative."""
    if previous is not None and now < previous:
        raise InvalidInput(
            "操作时间早于上一步操作 (time is earlier than the previous action)",
            field=field,
            rule="not_before_previous_action",
        )


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when, from which status to which; `note` holds the stated reason if any."""

    at: datetime
    actor: str
    action: str
    from_status: str
    to_status: str
    note: str = ""
