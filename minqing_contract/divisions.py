"""Reference data: county → townships (乡镇/街道) → villages (村/社区) with 12-digit division codes.

Shared by every service and subscriber (events carry codes; this turns them into names). Loaded from a
JSON data file; the default is the fictional demo county 民和县 (`data/demo_county.json`). A real
deployment points `MINQING_DIVISIONS_FILE` at its own county's file of the same shape.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
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
