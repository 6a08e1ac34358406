"""A visit (走访) as the cadre's 民情记录簿 entry: the date, what was seen and said, the help given and
the problems raised.

A problem that needs handling (`needs_handling`) is raised to the 民情台账: the visit records
`ProblemRaised`, which liaison publishes and the petition service registers as a 民情走访 matter (so the
60-day reply clock applies). A problem the cadre settled on the spot is recorded but raises nothing.
Only the paired cadre records visits to a household (the 民情记录簿 is theirs), on a day not in the
future.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from minqing_kit.errors import Forbidden, InvalidInput

from . import events as ev
from ._guards import require_aware, require_text
from .household import Household
from .ledger import parse_problem_class

MAX_PROBLEMS = 10


@dataclass(frozen=True)
class Problem:
    id: UUID
    category: str
    subcategory: str
    description: str
    needs_handling: bool


@dataclass
class Visit:
    id: UUID
    household_id: UUID
    household: str
    cadre_id: str
    cadre: str
    township_code: str
    village_code: str
    visited_on: date
    seen: str
    said: str
    help_given: str | None
    problems: tuple[Problem, ...]
    recorded_at: datetime
    events: list[ev.DomainEvent] = field(default_factory=list)

    @classmethod
    def record(cls, *, id: UUID, household: Household, cadre_id: str, visited_on: date, seen: str, said: str,
               help_given: str | None, problems: Sequence[Problem], tree: Mapping[str, frozenset[str]],
               now: datetime, today: date) -> Visit:
        require_aware(now, "now")
        if household.cadre_id != cadre_id or household.cadre is None:
            raise Forbidden("只有结对干部可以记录走访 (only the paired cadre records visits)", field="household_id",
                            rule="paired_cadre")
        if visited_on > today:
            raise InvalidInput("走访日期不能是未来 (visited_on cannot be in the future)", field="visited_on",
                               rule="not_future")
        if len(problems) > MAX_PROBLEMS:
            raise InvalidInput(f"每次走访最多 {MAX_PROBLEMS} 个问题 (at most {MAX_PROBLEMS} problems)",
                               field="problems", rule=f"max_items_{MAX_PROBLEMS}")
        checked = []
        for i, p in enumerate(problems):
            category, sub = parse_problem_class(p.category, p.subcategory, tree=tree)
            checked.append(Problem(p.id, category, sub,
                                   require_text(p.description, f"problems[{i}].description", max_len=2000),
                                   p.needs_handling))
        help_text = (help_given or "").strip() or None
        v = cls(id=id, household_id=household.id, household=household.pseudonym, cadre_id=cadre_id,
                cadre=household.cadre, township_code=household.township_code,
                village_code=household.village_code, visited_on=visited_on,
                seen=require_text(seen, "seen", max_len=5000), said=require_text(said, "said", max_len=5000),
                help_given=require_text(help_text, "help_given", max_len=2000) if help_text else None,
                problems=tuple(checked), recorded_at=now)
        base: dict[str, Any] = {"occurred_at": now, "township_code": v.township_code, "village_code": v.village_code}
        v.events.append(ev.VisitRecorded(**base, visit_id=id, household_id=v.household_id, household=v.household,
                                         cadre=v.cadre, visited_on=visited_on, problems=len(checked),
                                         help_given=help_text is not None))
        for p in checked:
            if p.needs_handling:
                v.events.append(ev.ProblemRaised(**base, problem_id=p.id, visit_id=id,
                                                 household_id=v.household_id, household=v.household,
                                                 cadre=v.cadre, category=p.category, subcategory=p.subcategory,
                                                 visited_on=visited_on))
        return v
