"""12-digit administrative division codes (统计用区划代码) and the county → township → village tree.

Layout: digits 1–6 are the county, 7–9 the township (乡镇/街道), 10–12 the village (村/社区).
So a county code ends in six zeros, a township code in three, a village code in neither.
"""

from __future__ import annotations

from minqing_kit.errors import InvalidInput

from .enums import Level


def validate_code(code: str, field: str = "division_code") -> str:
    if not isinstance(code, str) or len(code) != 12 or not code.isdigit():
        raise InvalidInput(
            f"区划代码须为 12 位数字 (division code must be 12 digits): {code!r}",
            field=field,
            rule="division_code_12_digits",
        )
    if code[:6].endswith("00"):
        # A code whose first six digits end in 00 is a prefecture or province, above this platform.
        raise InvalidInput(
            f"区划代码不是县级及以下 (division code is above county level): {code}",
            field=field,
            rule="division_code_county_or_below",
        )
    return code


def level_of(code: str, field: str = "division_code") -> Level:
    """The network tier a division code stands for."""
    validate_code(code, field)
    if code[6:] == "000000":
        return Level.county
    if code[9:] == "000":
        return Level.township
    return Level.village


def require_level(code: str, level: Level, field: str) -> str:
    if level_of(code, field) is not level:
        raise InvalidInput(
            f"区划代码 {code} 不是{level.label}所在的{_DIVISION_WORD[level]}级代码"
            f" (division code {code} is not a {level.value}-level code)",
            field=field,
            rule=f"{level.value}_code",
        )
    return code


def county_of(code: str) -> str:
    validate_code(code)
    return code[:6] + "000000"


def township_of(code: str, field: str = "division_code") -> str:
    """Township of a township or village code; a county code has none."""
    if level_of(code, field) is Level.county:
        raise InvalidInput(
            f"县级区划代码没有所属乡镇 (a county code has no township): {code}",
            field=field,
            rule="township_or_village_code",
        )
    return code[:9] + "000"


def ancestor_at(village_code: str, level: Level) -> str:
    """The division at `level` that contains the village (the village itself at village level)."""
    require_level(village_code, Level.village, "village_code")
    if level is Level.village:
        return village_code
    if level is Level.township:
        return township_of(village_code)
    return county_of(village_code)


_DIVISION_WORD = {Level.village: "村", Level.township: "乡镇", Level.county: "县"}
