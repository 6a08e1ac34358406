"""Identity and place checks at intake: resident ID checksum, mobile numbers, division codes."""

from __future__ import annotations

import pytest

from minqing_kit.errors import InvalidInput
from services.petition.domain.validators import (
    resident_id_check_char,
    validate_mobile,
    validate_resident_id,
    validate_township_code,
    validate_village_code,
)

from .factories import ID_3, ID_X, TOWNSHIP, VILLAGE


def test_check_character_follows_gb11643() -> None:
    assert resident_id_check_char(ID_X[:17]) == "X"
    assert resident_id_check_char(ID_3[:17]) == "3"


@pytest.mark.parametrize("value", [ID_X, ID_X.lower(), f" {ID_3} "])
def test_valid_resident_ids_are_normalised(value: str) -> None:
    assert validate_resident_id(value) == value.strip().upper()


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("110105194912310021", "id_number_checksum"),  # X replaced by 1
        ("440524198001010014", "id_number_checksum"),
        ("11010519491231002", "id_number_format"),  # 17 characters
        ("1101051949123100X2", "id_number_format"),  # X not last
        ("110105194913310024", "id_number_birth_date"),  # month 13
        ("110105180001010015", "id_number_birth_date"),  # born 1800
        ("", "id_number_format"),
    ],
)
def test_invalid_resident_ids_name_field_and_rule(value: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_resident_id(value, "petitioners.id_number")
    assert err.value.field == "petitioners.id_number"
    assert err.value.rule == rule


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("199 1234 5678", "19912345678"),
        ("+86 158-0000-1111", "15800001111"),
        ("8617712345678", "17712345678"),
    ],
)
def test_mainland_mobile_numbers(value: str, expected: str) -> None:
    assert validate_mobile(value) == expected


@pytest.mark.parametrize(
    "value", ["12812345678", "1381234567", "138123456789", "02312345678", "1381234567a", ""]
)
def test_bad_mobile_numbers_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_mobile(value)
    assert (err.value.field, err.value.rule) == ("phone", "mobile_number")


def test_division_codes() -> None:
    assert validate_township_code(TOWNSHIP) == TOWNSHIP
    assert validate_village_code(VILLAGE, TOWNSHIP) == VILLAGE
    for bad in ("350124000000", "350124100001", "35012410000"):
        with pytest.raises(InvalidInput):
            validate_township_code(bad)
    with pytest.raises(InvalidInput) as err:
        validate_village_code("350124101201", TOWNSHIP)
    assert err.value.rule == "village_in_township"
