"""Builders for petition domain tests: one township with two villages, fixed actors, a Shanghai clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from services.petition.domain.clocks import SHANGHAI, PetitionClocks
from services.petition.domain.enums import Role
from services.petition.domain.intake import Petitioner
from services.petition.domain.lifecycle import Actor
from services.petition.domain.matter import Matter

TOWNSHIP = "350124100000"
VILLAGE = "350124100201"
OTHER_VILLAGE = "350124100202"
OTHER_TOWNSHIP = "350124101000"
FAR_VILLAGE = "350124101201"

DEPT = "county_hrss"  # 人社局
OTHER_DEPT = "county_housing"
LOOKUP = "ABCD234567"

# Valid GB 11643 numbers (check characters X and 3) and a mobile number.
ID_X = "11010519491231002X"
ID_3 = "440524198001010013"
MOBILE = "13812345678"
NAME = "张三丰"

P1 = "p_mfrggzdfmztwq2lknnwg23tpoa"
P2 = "p_aaaaaaaaaaaaaaaaaaaaaaaaaa"
P3 = "p_bbbbbbbbbbbbbbbbbbbbbbbbbb"


def pseudonym(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "p_" + letters[i % 26] * 25 + letters[(i // 26) % 26]


# Tuesday 2025-05-06 09:00 in Shanghai: a plain working week.
T0 = datetime(2025, 5, 6, 9, 0, tzinfo=SHANGHAI)


def sh(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def days(n: float) -> timedelta:
    return timedelta(days=n)


OFFICER = Actor("u-officer", Role.petition_officer)
LEADER = Actor("u-leader", Role.county_leader)
SUPERVISOR = Actor("u-supervisor", Role.county_supervisor)
HANDLER = Actor("u-handler", Role.department_handler, department=DEPT)
OTHER_HANDLER = Actor("u-other", Role.department_handler, department=OTHER_DEPT)
TOWNSHIP_OP = Actor("u-township", Role.township_operator, township_code=TOWNSHIP)
CADRE = Actor("u-cadre", Role.cadre, township_code=TOWNSHIP)
PERSON = Actor(P1, Role.petitioner)
SYSTEM = Actor("watcher", Role.system)


def petitioner(
    name: str = NAME, *, rep: bool = False, phone: str | None = MOBILE, id_number: str | None = ID_X
):
    return Petitioner.of(name, phone=phone, id_number=id_number, is_representative=rep)


def register(
    *,
    now: datetime = T0,
    petitioners: Sequence[Petitioner] | None = None,
    pseudonyms: Sequence[str] | None = None,
    actor: Actor = OFFICER,
    clocks: PetitionClocks | None = None,
    **overrides: Any,
) -> Matter:
    people = list(petitioners) if petitioners is not None else [petitioner()]
    fields: dict[str, Any] = {
        "id": uuid4(),
        "channel": "visit",
        "kind": "claim",
        "category": "dispute",
        "subcategory": "wage_arrears",
        "township_code": TOWNSHIP,
        "village_code": VILLAGE,
        "content": "工地拖欠三个月工资",
        "headcount": max(1, len(people)),
    }
    fields.update(overrides)
    names = (
        list(pseudonyms)
        if pseudonyms is not None
        else [pseudonym(i) if i else P1 for i in range(len(people))]
    )
    return Matter.register(
        petitioners=people, pseudonyms=names, actor=actor, now=now, clocks=clocks, **fields
    )


def assigned(now: datetime = T0, **kw: Any) -> Matter:
    m = register(now=now, **kw)
    m.assign(department=DEPT, mode="assign", signed_by="u-leader", actor=OFFICER, now=now + days(1))
    return m


def accepted(now: datetime = T0, **kw: Any) -> Matter:
    m = assigned(now, **kw)
    m.accept(actor=HANDLER, now=now + days(2))
    return m


def replied(now: datetime = T0, **kw: Any) -> Matter:
    m = accepted(now, **kw)
    m.reply(text="已督促企业支付工资", actor=HANDLER, now=now + days(20))
    return m
