"""Intake across channels, kinds and categories; group visits (§20); receipts with lookup codes."""

from __future__ import annotations

import random
from typing import Any

import pytest

from minqing_kit.errors import Forbidden, InvalidInput
from services.petition.domain.categories import Category, Subcategory, parse_classification
from services.petition.domain.enums import Channel, Kind, MatterStatus
from services.petition.domain.intake import (
    LOOKUP_ALPHABET,
    LOOKUP_LENGTH,
    generate_lookup_code,
    normalize_lookup_code,
)

from .factories import (
    CADRE,
    FAR_VILLAGE,
    OTHER_TOWNSHIP,
    T0,
    TOWNSHIP_OP,
    petitioner,
    pseudonym,
    register,
    sh,
)


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("kind", list(Kind))
def test_every_channel_and_kind_registers(channel: Channel, kind: Kind) -> None:
    extra: dict[str, Any] = {"cadre_id": "u-cadre"} if channel is Channel.field_visit else {}
    m = register(channel=channel.value, kind=kind.value, **extra)
    assert (m.channel, m.kind, m.status) == (channel, kind, MatterStatus.registered)
    assert m.audit[0].action == "register" and m.audit[0].at == T0


def test_six_ledger_headings_with_chinese_labels() -> None:
    assert [c.label_zh for c in Category] == [
        "经济发展",
        "民生改善",
        "社会矛盾",
        "生产经营",
        "扶贫帮困",
        "基层组织",
    ]
    assert all(c.subcategories for c in Category)
    assert Subcategory.relocation.label_zh == "拆迁安置"
    assert Subcategory.wage_arrears.label_zh == "拖欠工资"
    assert Subcategory.pollution.label_zh == "环境污染"
    assert Kind.accusation.label_zh == "检举控告类" and Channel.field_visit.label_zh == "民情走访"


def test_subcategory_must_belong_to_heading() -> None:
    assert parse_classification("economy", "relocation") == (Category.economy, Subcategory.relocation)
    with pytest.raises(InvalidInput) as err:
        register(category="economy", subcategory="wage_arrears")
    assert (err.value.field, err.value.rule) == ("subcategory", "subcategory_of_category")
    with pytest.raises(InvalidInput) as err:
        register(category="weather")
    assert err.value.field == "category"


def test_unknown_channel_and_kind_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        register(channel="pigeon")
    assert err.value.field == "channel"
    with pytest.raises(InvalidInput) as err:
        register(kind="complaint")
    assert err.value.field == "kind"


def test_field_visit_records_cadre_and_village() -> None:
    m = register(channel="field_visit", actor=CADRE)
    assert m.cadre_id == CADRE.user_id and m.village_code is not None
    with pytest.raises(InvalidInput) as err:
        register(channel="field_visit", cadre_id="u-cadre", village_code=None)
    assert err.value.rule == "field_visit_requires_village"
    with pytest.raises(InvalidInput) as err:
        register(channel="field_visit")  # an officer registering must name the cadre
    assert (err.value.field, err.value.rule) == ("cadre_id", "field_visit_requires_cadre")


def test_township_operator_registers_only_in_own_township() -> None:
    assert register(actor=TOWNSHIP_OP).township_code == TOWNSHIP_OP.township_code
    with pytest.raises(Forbidden):
        register(actor=TOWNSHIP_OP, township_code=OTHER_TOWNSHIP, village_code=FAR_VILLAGE)


def test_group_visit_with_five_representatives() -> None:
    people = [petitioner(f"代表{i}", rep=True) for i in range(5)] + [petitioner("群众")]
    m = register(petitioners=people, headcount=30)
    assert m.is_group_visit and m.headcount == 30 and len(m.representatives) == 5


def test_six_representatives_refused_naming_the_field() -> None:
    people = [petitioner(f"代表{i}", rep=True) for i in range(6)]
    with pytest.raises(InvalidInput) as err:
        register(petitioners=people, headcount=40)
    assert (err.value.field, err.value.rule) == ("representatives", "max_5_representatives")
    assert err.value.to_dict()["field"] == "representatives"


def test_group_visit_in_person_needs_representatives_but_a_letter_does_not() -> None:
    people = [petitioner(f"群众{i}") for i in range(5)]
    with pytest.raises(InvalidInput) as err:
        register(petitioners=people, headcount=5)
    assert err.value.rule == "group_visit_representatives_required"
    assert register(petitioners=people, headcount=5, channel="letter").is_group_visit


def test_small_visit_is_not_a_group_visit() -> None:
    assert not register(headcount=4, petitioners=[petitioner()]).is_group_visit


def test_headcount_at_least_petitioners() -> None:
    with pytest.raises(InvalidInput) as err:
        register(petitioners=[petitioner(), petitioner("李四")], headcount=1)
    assert err.value.field == "headcount"


def test_only_accusations_may_be_anonymous() -> None:
    m = register(kind="accusation", petitioners=[], headcount=1, accused_department="town_gov")
    assert m.pseudonyms == ()
    with pytest.raises(InvalidInput) as err:
        register(petitioners=[], headcount=1)
    assert err.value.rule == "petitioner_required"


def test_accused_unit_only_for_accusations() -> None:
    with pytest.raises(InvalidInput) as err:
        register(kind="claim", accused_department="town_gov")
    assert err.value.field == "accused_department"


def test_petitioner_contact_details_validated() -> None:
    with pytest.raises(InvalidInput) as err:
        petitioner(id_number="110105194912310021")
    assert (err.value.field, err.value.rule) == ("petitioners.id_number", "id_number_checksum")
    with pytest.raises(InvalidInput) as err:
        petitioner(phone="1234")
    assert err.value.field == "petitioners.phone"
    with pytest.raises(InvalidInput) as err:
        petitioner(name="  ")
    assert err.value.field == "petitioners.name"


@pytest.mark.parametrize("bad", ["张三丰", "13812345678", "p_short", "P_MFRGGZDFMZTWQ2LKNNWG23TPOA"])
def test_pseudonyms_must_be_keyed_pseudonyms(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        register(pseudonyms=[bad])
    assert (err.value.field, err.value.rule) == ("pseudonyms", "pseudonym_format")


def test_one_distinct_pseudonym_per_petitioner() -> None:
    with pytest.raises(InvalidInput) as err:
        register(petitioners=[petitioner(), petitioner("李四")], pseudonyms=[pseudonym(1)])
    assert err.value.rule == "pseudonym_per_petitioner"
    with pytest.raises(InvalidInput):
        register(petitioners=[petitioner(), petitioner("李四")], pseudonyms=[pseudonym(1), pseudonym(1)])


def test_naive_time_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        register(now=T0.replace(tzinfo=None))
    assert err.value.rule == "timezone_aware"


def test_receipt_has_lookup_code_and_route_date() -> None:
    m = register(now=sh(2025, 5, 6, 23, 30))
    r = m.receipt("abcd-2345 67")
    assert r.lookup_code == "ABCD234567" and r.matter_id == m.id
    assert str(r.route_due_on) == "2025-05-21"  # 15 days, the day of registration not counted
    assert "张三丰" not in repr(r) and "138" not in repr(r)


def test_lookup_codes_are_readable_and_reproducible() -> None:
    code = generate_lookup_code(random.Random(7).choice)
    assert code == generate_lookup_code(random.Random(7).choice)
    assert len(code) == LOOKUP_LENGTH and set(code) <= set(LOOKUP_ALPHABET)
    assert not set("01OIL") & set(LOOKUP_ALPHABET)
    for bad in ("ABCD23456", "ABCD23456O", "ABCD2345I7"):
        with pytest.raises(InvalidInput):
            normalize_lookup_code(bad)
