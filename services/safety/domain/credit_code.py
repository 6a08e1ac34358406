"""Unified social credit code (统一社会信用代码, GB 32100-2015): structure and check character.

18 characters from a 31-symbol alphabet (digits and capitals without I, O, Z, S, V):
1 registration authority, 2 organisation category, 3–8 division code, 9–17 organisation code,
18 check character. Check: sum of value×3^(i-1) mod 31 over the first 17, C = 31 − sum mod 31
(31 → 0). The organisation-code part's own GB 11714 check is not enforced: some valid codes
issued in the transition years do not satisfy it, and refusing a real enterprise is worse.
"""

from __future__ import annotations

from minqing_kit.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
#: Registration authorities (登记管理部门代码) of GB 32100-2015 Annex A.
AUTHORITIES = frozenset("123456789ANY")
FIELD = "credit_code"


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (which must be in the alphabet)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Normalised (trimmed, upper-case) code, or `InvalidInput` naming what is wrong."""
    code = (value or "").strip().upper() if isinstance(value, str) else ""
    if len(code) != 18:
        raise InvalidInput(
            "统一社会信用代码须为 18 位 (credit code must have 18 characters)", field=FIELD, rule="length_18"
        )
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        raise InvalidInput(
            f"统一社会信用代码含无效字符 {''.join(bad)} (invalid characters; I, O, Z, S, V are never used)",
            field=FIELD,
            rule="charset",
        )
    if code[0] not in AUTHORITIES or not code[1].isdigit() or code[1] == "0" or not code[2:8].isdigit():
        raise InvalidInput(
            "统一社会信用代码结构无效（登记管理部门、机构类别或行政区划码）"
            " (invalid structure: authority, category or division part)",
            field=FIELD,
            rule="structure",
        )
    if check_character(code[:17]) != code[17]:
        raise InvalidInput(
            "统一社会信用代码校验位错误 (credit code check character is wrong)", field=FIELD, rule="check_character"
        )
    return code
