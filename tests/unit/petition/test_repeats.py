"""Repeat detection (§19) and no re-acceptance after 复核 (§36)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from minqing_kit.errors import InvalidInput
from services.petition.domain import events as ev
from services.petition.domain.categories import Category, Subcategory
from services.petition.domain.enums import MatterStatus
from services.petition.domain.repeats import FiledMatter, RepeatKey, find_repeat, same_matter

from .factories import LOOKUP, OTHER_VILLAGE, P1, P2, P3, TOWNSHIP, VILLAGE, register

S = MatterStatus


def key(
    *people: str, sub: Subcategory = Subcategory.wage_arrears, village: str | None = VILLAGE
) -> RepeatKey:
    return RepeatKey(frozenset(people), sub.category, sub, TOWNSHIP, village)


def filed(status: MatterStatus, k: RepeatKey | None = None) -> FiledMatter:
    return FiledMatter(uuid4(), k or key(P1, P2), status)


def test_same_person_same_matter_same_place_is_a_repeat() -> None:
    assert same_matter(key(P1), key(P1, P2))
    assert same_matter(key(P1, village=None), key(P1))  # one names no village: compare townships


def test_different_person_category_or_village_is_not() -> None:
    assert not same_matter(key(P3), key(P1, P2))
    assert not same_matter(key(P1, sub=Subcategory.pollution), key(P1))
    assert not same_matter(key(P1, village=OTHER_VILLAGE), key(P1))


@pytest.mark.parametrize("status", [S.registered, S.assigned, S.accepted, S.under_review, S.under_re_review])
def test_repeat_of_a_pending_matter_is_linked(status: MatterStatus) -> None:
    open_one = filed(status)
    assert find_repeat(key(P1), [filed(S.closed), open_one]) == open_one.matter_id


@pytest.mark.parametrize("status", [S.replied, S.closed, S.reviewed, S.linked])
def test_finished_matters_are_not_repeats(status: MatterStatus) -> None:
    assert find_repeat(key(P1), [filed(status)]) is None


def test_matter_final_after_re_review_is_not_accepted_again() -> None:
    with pytest.raises(InvalidInput) as err:
        find_repeat(key(P2), [filed(S.final), filed(S.accepted)])
    assert err.value.rule == "final_after_re_review"


def test_filed_matter_summarises_an_aggregate() -> None:
    m = register()
    f = FiledMatter.of(m)
    assert (
        f.key.pseudonyms == frozenset({P1})
        and f.key.category is Category.dispute
        and f.status is S.registered
    )
    assert find_repeat(key(P1), [f]) == m.id


def test_registering_a_repeat_links_it_without_a_new_case() -> None:
    first = register()
    repeat_of = find_repeat(key(P1), [FiledMatter.of(first)])
    again = register(repeat_of=repeat_of)
    assert again.status is S.linked and again.repeat_of == first.id
    assert again.receipt(LOOKUP).repeat_of == first.id
    assert [type(e) for e in again.events] == [ev.RepeatLinked]
    assert again.allowed_actions() == frozenset()


# ----- the window's hint while typing ---------------------------------------------------------------
def test_hint_uses_complete_identifiers_only() -> None:
    from services.petition.domain.repeats import HintKeys, hint_identifiers

    assert hint_identifiers("张三丰", "13812345678", "11010519491231002x") == HintKeys(
        ("11010519491231002X", "13812345678", "张三丰"), "13812345678")
    assert hint_identifiers(" 张三丰 ", "1381234", "1101051949") == HintKeys(("张三丰",), None)  # half-typed
    assert hint_identifiers(None, None, "11010519491231002Y") == HintKeys((), None)  # bad check character
    assert hint_identifiers("", " ", None) == HintKeys((), None)
