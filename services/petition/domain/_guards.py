"""Small input guards shared by the petition domain modules.

Every failure is an `InvalidInput` naming the field and the rule, so the HTTP edge can tell the
operator (in Chinese, English beside) exactly what to fix.
"""

from __future__ import annotations

from datetime import datetime

from minqing_kit.errors import InvalidInput
from minqing_kit.guards import parse_enum, require_actor, require_aware, require_count, require_text

from .clocks import last_day


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

__all__ = ["parse_enum", "require_actor", "require_aware", "require_count", "require_signer", "require_text", "require_within"]
