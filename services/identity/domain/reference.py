"""Reference data rules (区划与部门): villages under their township, county departments.

统计用区划代码 (GB/T 2260 extended by the statistics bureau): a village (村/社区) code is its township's
first 9 digits followed by a 3-digit serial that is not 000. Townships themselves change only by a
provincial decision and a new division file, so they are read-only here; villages are added, renamed
and retired (撤并) by the county. A department code is a short lower-case abbreviation (e.g. `wsj`),
the key accounts and matters refer to; it never changes once given out, only the name does.
A retired entry is kept (old matters still name it) but no longer offered in forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minqing_kit.errors import InvalidInput

NAME_MAX = 50
DEPARTMENT_CODE = re.compile(r"^[a-z][a-z0-9_]{1,19}$")
#: Which columns a list may be sorted by (the API's `sort` values).
VILLAGE_SORTS = ("code", "name", "township_code")
DEPARTMENT_SORTS = ("code", "name")


@dataclass(frozen=True)
class Entry:
    """A village (`parent_code` = its township) or a department (`parent_code` = None)."""

    code: str
    name: str
    parent_code: str | None = None
    name_en: str = ""
    active: bool = True


def check_name(name: str, field: str = "name") -> str:
    cleaned = (name or "").strip()
    if not 2 <= len(cleaned) <= NAME_MAX:
        raise InvalidInput(f"名称须为 2 至 {NAME_MAX} 个字 (name must be 2 to {NAME_MAX} characters)",
                           field=field, rule="length")
    return cleaned


def check_village_code(code: str, township_code: str) -> str:
    if not re.fullmatch(r"\d{12}", code or ""):
        raise InvalidInput("村/社区代码须为 12 位数字 (village code must be 12 digits)", field="code", rule="pattern")
    if code[:9] != township_code[:9] or code.endswith("000"):
        raise InvalidInput(f"村/社区代码须以所属乡镇代码前 9 位开头、末 3 位不为 000 "
                           f"(a village code is township {township_code}'s first 9 digits + a serial, not 000)",
                           field="code", rule="village_of_township")
    return code


def check_department_code(code: str) -> str:
    if not DEPARTMENT_CODE.fullmatch(code or ""):
        raise InvalidInput("部门代码须为 2 至 20 位小写字母、数字或下划线，以字母开头 "
                           "(department code: 2-20 lower-case letters, digits or _, starting with a letter)",
                           field="code", rule="pattern")
    return code


def check_sort(sort: str, allowed: tuple[str, ...]) -> str:
    if sort not in allowed:
        raise InvalidInput(f"不支持的排序字段 {sort} (sort must be one of {', '.join(allowed)})",
                           field="sort", rule="one_of")
    return sort
