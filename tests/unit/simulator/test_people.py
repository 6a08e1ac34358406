"""Fictional people: valid formats (the petition service's own validators), fictional region, seeded."""

from __future__ import annotations

import re

from services.petition.domain.validators import validate_mobile, validate_resident_id
from simulator.people import FICTIONAL_REGION, SURNAMES, People


def test_people_pass_the_services_validators_and_are_fictional() -> None:
    people = People(3)
    persons = [people.person() for _ in range(500)]
    for p in persons:
        assert validate_resident_id(p.id_number) == p.id_number
        assert validate_mobile(p.phone) == p.phone
        assert p.id_number.startswith(FICTIONAL_REGION)  # 99: no real province
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", p.name) and p.name[0] in SURNAMES
        assert int(p.id_number[16]) % 2 == (0 if p.female else 1)  # GB 11643: odd sequence for men
        assert p.id_number[6:14] == p.born.strftime("%Y%m%d")
    assert len({p.id_number for p in persons}) == len(persons)
    assert len({p.phone for p in persons}) > 490
    assert people.issued >= {p.name for p in persons} | {p.phone for p in persons} | {p.id_number for p in persons}


def test_same_seed_same_people_other_seed_others() -> None:
    a, b = People(11), People(11)
    assert [a.person() for _ in range(5)] == [b.person() for _ in range(5)]
    assert People(12).person() != People(11).person()


def test_age_range_is_respected() -> None:
    people = People(5)
    for _ in range(200):
        p = people.person(min_age=30, max_age=40)
        age = (people.today - p.born).days / 365.25
        assert 29.9 <= age <= 40.1
