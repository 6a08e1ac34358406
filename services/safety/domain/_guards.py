"""Small input guards and the audit entry shared by the safety domain modules.

Every failure is an `InvalidInput` naming the field and the rule, so the HTTP edge can tell the
operator (in Chinese, English beside) exactly what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from minqing_kit.errors import InvalidInput
from minqing_kit.guards import parse_enum, require_actor, require_aware, require_count, require_text


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

__all__ = ["AuditEntry", "not_before", "parse_enum", "require_actor", "require_aware", "require_count", "require_text", "require_township"]
