"""Reference data: county → townships (乡镇/街道) → villages (村/社区) with 12-digit division codes.

Shared by every service and subscriber (events carry codes; this turns them into names). Loaded from a
JSON data file; the default is the fictional demo county 民和县 (`data/demo_county.json`). A real
deployment points `MINQING_DIVISIONS_FILE` at its own county's file of the same shape.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

DEMO_COUNTY_FILE = Path(__file__).with_name("data") / "demo_county.json"


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    township_code: str


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    name_en: str
    population: int
    villages: tuple[Village, ...]


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class County:
    code: str
    name: str
    name_en: str
    fictional: bool
    townships: tuple[Township, ...]
    departments: tuple[Department, ...]
    #: Villages and departments the county retired (撤并): still named (old matters keep them), but a new
    #: registration naming one is refused (`is_retired`). Filled by `merge_reference`, empty in a file.
    retired: frozenset[str] = frozenset()
    _index: dict[str, Township | Village] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for t in self.townships:
            if t.code[:6] != self.code[:6] or not t.code.endswith("000") or t.code.endswith("000000"):
                raise ValueError(f"township {t.code} {t.name} is not a township code of county {self.code}")
            self._index[t.code] = t
            for v in t.villages:
                if v.code[:9] != t.code[:9] or v.code.endswith("000"):
                    raise ValueError(f"village {v.code} {v.name} is not a village code of township {t.code}")
                if v.code in self._index:
                    raise ValueError(f"duplicate division code {v.code}")
                self._index[v.code] = v

    def township(self, code: str) -> Township | None:
        found = self._index.get(code)
        return found if isinstance(found, Township) else None

    def village(self, code: str) -> Village | None:
        found = self._index.get(code)
        return found if isinstance(found, Village) else None

    def township_of(self, code: str) -> Township | None:
        """The township a township or village code belongs to."""
        return self.township(code[:9] + "000")

    def name_of(self, code: str) -> str | None:
        if code == self.code:
            return self.name
        found = self._index.get(code)
        return found.name if found else None

    def department(self, code: str) -> Department | None:
        return next((d for d in self.departments if d.code == code), None)

    @property
    def villages(self) -> tuple[Village, ...]:
        return tuple(v for t in self.townships for v in t.villages)

    def is_retired(self, code: str) -> bool:
        """A village or department the county retired: kept for old matters, refused for new ones."""
        return code in self.retired

    def copy(self) -> County:
        """An own copy of this county, for a process that refreshes it in place (`replace_with`)."""
        return replace(self, _index={})

    def replace_with(self, other: County) -> None:
        """Take `other`'s townships, departments and retirements in place (the live reference data).

        The one sanctioned mutation of a county: every holder of this object (the bus's bound
        dependencies, the routes) sees the refreshed data. No await between the assignments, so an
        asyncio reader never sees half of it.
        """
        for name in ("townships", "departments", "retired", "_index"):
            object.__setattr__(self, name, getattr(other, name))


def merge_reference(floor: County, reference: dict) -> County:  # type: ignore[type-arg]
    """The division file (`floor`) merged with the identity service's reference data.

    `reference` has the shape of `GET /identity/reference?with_retired=true`: `townships[].villages[]`
    and `departments[]`, each `{"code", "name", "active"}` (`active` missing means active). Townships
    stay the file's (they change only with a new file). An entry is added or renamed; one marked
    `active: false` is kept with its name but retired (old matters still name it; new registrations
    are refused). A file entry the reference does not list stays as the file has it: the file is the
    floor (identity not seeded yet, or an entry added to the file later).
    """
    def valid(e: object) -> bool:
        return isinstance(e, dict) and isinstance(e.get("code"), str) and isinstance(e.get("name"), str)

    townships_in = {t.get("code"): t for t in reference.get("townships", []) if isinstance(t, dict)}
    retired: set[str] = set()
    townships = []
    for t in floor.townships:
        fresh = {v["code"]: v for v in townships_in.get(t.code, {}).get("villages", [])
                 if valid(v) and len(v["code"]) == 12 and v["code"].isdigit()
                 and v["code"][:9] == t.code[:9] and not v["code"].endswith("000")}
        retired |= {code for code, v in fresh.items() if v.get("active", True) is False}
        villages = [Village(code=v.code, name=fresh.pop(v.code)["name"], township_code=t.code) if v.code in fresh else v
                    for v in t.villages]
        villages += [Village(code=code, name=v["name"], township_code=t.code) for code, v in sorted(fresh.items())]
        townships.append(replace(t, villages=tuple(villages)))
    fresh_departments = {d["code"]: d for d in reference.get("departments", []) if valid(d)}
    retired |= {code for code, d in fresh_departments.items() if d.get("active", True) is False}
    departments = [replace(d, name=fresh_departments.pop(d.code)["name"]) if d.code in fresh_departments else d
                   for d in floor.departments]
    departments += [Department(code=code, name=d["name"], name_en=d.get("name_en") or "")
                    for code, d in sorted(fresh_departments.items())]
    return replace(floor, townships=tuple(townships), departments=tuple(departments), retired=frozenset(retired),
                   _index={})


def parse_county(data: dict) -> County:  # type: ignore[type-arg]
    townships = tuple(
        Township(code=t["code"], name=t["name"], name_en=t.get("name_en", ""), population=int(t.get("population", 0)),
                 villages=tuple(Village(code=v["code"], name=v["name"], township_code=t["code"])
                                for v in t.get("villages", [])))
        for t in data["townships"])
    departments = tuple(Department(code=d["code"], name=d["name"], name_en=d.get("name_en", ""))
                        for d in data.get("departments", []))
    c = data["county"]
    return County(code=c["code"], name=c["name"], name_en=c.get("name_en", ""), fictional=bool(data.get("fictional")),
                  townships=townships, departments=departments)


@cache
def load_county(path: str | None = None) -> County:
    """The county in `path`, else `$MINQING_DIVISIONS_FILE`, else the demo county."""
    chosen = Path(path or os.environ.get("MINQING_DIVISIONS_FILE") or DEMO_COUNTY_FILE)
    return parse_county(json.loads(chosen.read_text(encoding="utf-8")))
