"""Fictional people for the live simulator: valid-format, clearly made-up personal data from a seed.

Names are common surnames with common given names; mobile numbers are 11 digits starting 13–19;
resident IDs are 18 characters with a correct GB 11643 check character, but their division part is
the demo county's 990102 (no province has code 99), so no ID generated here can belong to anyone.
Everything is drawn from a `random.Random`, so a seed gives the same people every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from services.petition.domain.validators import resident_id_check_char

#: The fictional demo county's division code (99 is no real province): the first 6 ID digits.
FICTIONAL_REGION = "990102"
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
            "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田")
GIVEN_MALE = ("伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "建国", "建华", "志强",
              "国庆", "海峰", "永红", "春生", "德明", "文博", "俊杰", "子豪", "浩然", "宇航")
GIVEN_FEMALE = ("芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂兰", "玉兰", "淑珍", "丽华", "红梅",
                "春燕", "晓燕", "雪梅", "婷婷", "欣怡", "雨涵", "思琪", "梓涵", "佳怡", "秀珍")
#: Mobile prefixes (three digits) of the mainland carriers' ranges.
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152",
                   "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180",
                   "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199")


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    id_number: str
    born: date
    female: bool

    @property
    def phone_tail(self) -> str:
        return self.phone[-4:]


def resident_id(rng: random.Random, born: date, female: bool, region: str = FICTIONAL_REGION) -> str:
    """An 18-character resident ID: region, birth date, sequence (odd for men), GB 11643 check."""
    seq = rng.randrange(0, 500) * 2 + (0 if female else 1)
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def name(rng: random.Random, female: bool) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)


class People:
    """A seeded source of fictional persons; remembers every value it handed out (`issued`)."""

    def __init__(self, seed: int | str = 7, *, today: date | None = None) -> None:
        self.rng = random.Random(f"{seed}:people")
        self.today = today or date(2026, 1, 1)
        self.issued: set[str] = set()
        self._ids: set[str] = set()

    def person(self, *, min_age: int = 18, max_age: int = 80) -> Person:
        rng = self.rng
        female = rng.random() < 0.5
        born = self.today - timedelta(days=rng.randint(min_age * 365 + 5, max_age * 365))
        id_number = resident_id(rng, born, female)
        while id_number in self._ids:
            id_number = resident_id(rng, born, female)
        self._ids.add(id_number)
        p = Person(name(rng, female), mobile(rng), id_number, born, female)
        self.issued.update((p.name, p.phone, p.id_number))
        return p
