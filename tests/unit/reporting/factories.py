"""Contract events for the reporting tests, built with the contract's own models."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

from minqing_contract.events import petition as pe
from minqing_contract.events import safety as se
from minqing_contract.events import volunteer as ve

CST = timezone(timedelta(hours=8))
TOWNSHIP = "990102002000"
VILLAGE = "990102002201"
T0 = datetime(2025, 5, 6, 9, 0, tzinfo=CST)
PSEUDONYM = "p_mfrggzdfmztwq2lknnwg23tpoa"


def at(days: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


def matter(cls: type[pe._Matter], *, occurred_at: datetime | None = None, matter_id: UUID | None = None,
           **extra: Any) -> Any:
    base: dict[str, Any] = dict(
        township_code=TOWNSHIP, occurred_at=occurred_at or T0, matter_id=matter_id or uuid4(),
        village_code=VILLAGE, channel="visit", kind="claim", category="livelihood",
        subcategory="wage_arrears", headcount=1, is_group_visit=False, department="990102-hr",
        registered_at=T0,
    )
    base.update(extra)
    return cls(**base)


def registered(**extra: Any) -> pe.MatterRegistered:
    extra.setdefault("petitioners", [PSEUDONYM])
    extra.setdefault("route_due_at", at(15))
    extra.setdefault("department", None)
    return matter(pe.MatterRegistered, **extra)


def enterprise(cls: type[se._Enterprise], *, occurred_at: datetime | None = None, **extra: Any) -> Any:
    base: dict[str, Any] = dict(township_code=TOWNSHIP, occurred_at=occurred_at or T0,
                                enterprise_id=uuid4(), industry="open_pit_quarry")
    base.update(extra)
    return cls(**base)


def hazard(cls: type[se._Hazard], **extra: Any) -> Any:
    extra.setdefault("hazard_id", uuid4())
    extra.setdefault("level", "major")
    extra.setdefault("found_at", T0)
    extra.setdefault("deadline", at(10))
    return enterprise(cls, **extra)


def request(cls: type[ve._Request], *, occurred_at: datetime | None = None, **extra: Any) -> Any:
    base: dict[str, Any] = dict(township_code=TOWNSHIP, occurred_at=occurred_at or T0, request_id=uuid4(),
                                village_code=VILLAGE, category="ecology", submitted_at=T0)
    base.update(extra)
    return cls(**base)


def liaison(cls: type[Any], *, occurred_at: datetime | None = None, **extra: Any) -> Any:
    """A liaison event with the ids and pseudonyms its class needs; `extra` adds or overrides fields."""
    base: dict[str, Any] = dict(township_code=TOWNSHIP, occurred_at=occurred_at or T0, village_code=VILLAGE,
                                stationing_id=uuid4(), household_id=uuid4(), visit_id=uuid4(), problem_id=uuid4(),
                                cadre=PSEUDONYM, household=PSEUDONYM)
    base.update(extra)
    return cls(**{k: v for k, v in base.items() if k in cls.model_fields})
