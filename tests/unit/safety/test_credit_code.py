from __future__ import annotations

import pytest

from minqing_kit.errors import InvalidInput
from services.safety.domain.credit_code import WEIGHTS, check_character, validate_credit_code

from .factories import VALID_CODES


def test_weights_are_powers_of_three_mod_31() -> None:
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_codes_pass(code: str) -> None:
    assert validate_credit_code(code) == code


def test_lower_case_and_spaces_are_normalised() -> None:
    assert validate_credit_code("  91330100799655058b ") == "91330100799655058B"


def test_check_character_wraps_31_to_zero() -> None:
    # Found by search: the weighted sum of these 17 characters is a multiple of 31.
    body = next(f"9135012400000{n:04d}" for n in range(10000) if check_character(f"9135012400000{n:04d}") == "0")
    assert validate_credit_code(body + "0").endswith("0")


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("914403001922038217", "check_character"),  # Huawei with the last character changed
        ("91330100799655058A", "check_character"),
        ("91440300192203821", "length_18"),
        ("9144030019220382166", "length_18"),
        ("", "length_18"),
        ("91440300192203821I", "charset"),  # I, O, Z, S, V are never used
        ("9144030O1922038216", "charset"),
        ("S14403001922038216", "charset"),
        ("X14403001922038216", "structure"),
        ("B14403001922038216", "structure"),  # not a registration authority
        ("904403001922038216", "structure"),  # category 0
        ("91440A001922038216", "structure"),  # division part not digits
    ],
)
def test_invalid_codes_are_refused_with_the_rule(code: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_credit_code(code)
    assert (err.value.field, err.value.rule) == ("credit_code", rule)


def test_every_single_character_change_is_caught() -> None:
    from services.safety.domain.credit_code import ALPHABET

    code = VALID_CODES[0]
    for i in range(8, 18):
        for c in ALPHABET:
            if c == code[i]:
                continue
            with pytest.raises(InvalidInput):
                validate_credit_code(code[:i] + c + code[i + 1 :])
