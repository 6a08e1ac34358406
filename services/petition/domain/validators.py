"""Checks of identity and place data entered at intake: resident ID, mobile number, division codes.

Each returns the normalised value or raises `InvalidInput(field=..., rule=...)`.
"""

from __future__ import annotations

import re
from datetime import date

from minqing_kit.errors import InvalidInput

# GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
# Mainland mobile numbers: 11 digits, 1 then 3–9 (no 10x/11x/12x ranges are issued).
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_NOISE = re.compile(r"[\s\-()]")


def resident_id_check_char(first17: str) -> str:
    """The 18th character of a resident ID whose first 17 digits are given."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("first17 must be 17 digits")
    return _ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str, field: str = "id_number") -> str:
    """An 18-digit 居民身份证号码: shape, a real birth date, and the GB 11643 check character."""
    text = (value or "").strip().upper()
    if not _ID_SHAPE.match(text):
        raise InvalidInput(
            "身份证号码须为18位，前17位为数字，末位为数字或X"
            " (resident ID must be 18 characters: 17 digits then a digit or X)",
            field=field,
            rule="id_number_format",
        )
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        born = None
    # 1900 rules out typos in the century; a future birth date needs a clock, so it is the edge's check.
    if born is None or born.year < 1900:
        raise InvalidInput(
            "身份证号码中的出生日期无效 (resident ID contains an invalid birth date)",
            field=field,
            rule="id_number_birth_date",
        )
    if resident_id_check_char(text[:17]) != text[17]:
        raise InvalidInput(
            "身份证号码校验位错误 (resident ID check character does not match)",
            field=field,
            rule="id_number_checksum",
        )
    return text


def validate_mobile(value: str, field: str = "phone") -> str:
    """A mainland mobile number; spaces, hyphens and a +86 prefix are accepted and dropped."""
    text = _PHONE_NOISE.sub("", value or "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not _MOBILE.match(text):
        raise InvalidInput(
            "手机号码须为11位、以13–19开头 (mobile number must be 11 digits starting with 13–19)",
            field=field,
            rule="mobile_number",
        )
    return text


def validate_township_code(code: str, field: str = "township_code") -> str:
    """A 12-digit township (乡镇/街道) code: digits 7–9 set, 10–12 zero."""
    if (
        not isinstance(code, str)
        or not re.fullmatch(r"\d{12}", code)
        or code[9:] != "000"
        or code[6:9] == "000"
    ):
        raise InvalidInput(
            f"乡镇区划代码须为12位数字且以000结尾 (township code must be 12 digits ending in 000): {code!r}",
            field=field,
            rule="township_code",
        )
    return code


def validate_village_code(code: str, township_code: str, field: str = "village_code") -> str:
    """A 12-digit village (村/社区) code inside the given township."""
    if not isinstance(code, str) or not re.fullmatch(r"\d{12}", code) or code[9:] == "000":
        raise InvalidInput(
            f"村（社区）区划代码须为12位数字且末三位不为000 (village code must be 12 digits, not ending in 000): {code!r}",
            field=field,
            rule="village_code",
        )
    if code[:9] != township_code[:9]:
        raise InvalidInput(
            f"村（社区）{code} 不属于乡镇 {township_code} (village is not in the township)",
            field=field,
            rule="village_in_township",
        )
    return code
