"""The demo county's stationed cadres and paired households (驻村联户, issue 15), through the liaison API.

One cadre is stationed in each village (the 固阳 scheme stations agency cadres village by village), and a
few households of every village are registered and paired with that cadre (the 崇州 practice), which
issues their contact cards. Then, day by day of the simulator's clock:

- **Presence.** On every working day that has ended, each cadre records where they were. Each cadre has a
  steady habit (`reliability`, drawn once: most are in the village on 70–95 % of working days, one in
  six only 30–55 %), so most cadre-weeks meet the seasonal minimum (4 / 3 / 2 days) and a few townships
  show realistic shortfalls; the other days are at the township, on leave or on official business
  (with the note the rule requires). The liaison worker (in the history: `close_weeks`) closes the weeks.
- **Visits.** Every household gets one planned visit day a month; one in ten is missed that month
  (coverage below 100 %). A visit raises a problem needing handling one time in six (民情台账 heading by
  the county's petition mix), which liaison publishes as `liaison.problem_raised`; the petition worker
  registers it as a 民情走访 matter, and the simulator picks such matters up once a day (`resume`) to
  take them through routing, acceptance and reply like any other.

Volumes stay small (35 cadres, 105 households): the 30-day history adds ~1,100 requests, a few at a time.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.history import CATEGORY_WEIGHTS, SHANGHAI, SUBCATEGORIES, is_workday

if TYPE_CHECKING:
    from simulator.live import LiveSimulator

HOUSEHOLDS_PER_VILLAGE = 3
#: Share of households whose monthly visit is missed, and of visits that raise a problem to hand over.
MISSED_VISIT = 0.10
PROBLEM_ON_VISIT = 1 / 6
_AWAY = (("at_township", 70), ("on_leave", 15), ("official_business", 15))
_AWAY_NOTES = {"on_leave": "事假，已向乡镇党委请假", "official_business": "参加县里业务培训"}
_SEEN = ("家中整洁，老人身体尚可，主要劳力在外务工", "庄稼长势一般，今年雨水偏少", "孩子在镇上读初中，家里负担较重",
         "新建了羊圈，养殖规模扩大", "房屋墙体有裂缝，需要关注")
_SAID = ("希望多提供就近务工信息", "反映村里道路坑洼，雨天出行不便", "咨询医保报销政策", "感谢帮扶，希望继续关注",
         "希望帮助联系农产品销路")
_PROBLEM = "走访中户主反映的问题，须交相关部门办理"


@dataclass
class _Stationing:
    id: str
    cadre: str
    township: str
    village: str
    reliability: float
    recorded_through: date


@dataclass
class _Household:
    id: str
    township: str
    village: str
    cadre: str
    visits: dict[str, date | None] = field(default_factory=dict)  # month "YYYY-MM" → planned day (None: missed)


class LiaisonDriver:
    """Cadres, households, presence and visits for a `LiveSimulator` (its `call`, clock and tokens)."""

    def __init__(self, sim: LiveSimulator) -> None:
        self.sim = sim
        self.rng = random.Random(f"{sim.rng.random()}:liaison")
        self.stationings: list[_Stationing] = []
        self.households: list[_Household] = []
        self._day: date | None = None
        self._resumed: datetime | None = None

    def cadre(self, cadre_id: str, township: str) -> dict[str, str]:
        """The cadre's own token: a staff account (township operator) whose `sub` is the cadre's id."""
        return self.sim.token_for(cadre_id, "township_operator", township)

    def _today(self) -> date:
        return self.sim.now().astimezone(SHANGHAI).date()

    def _reliability(self) -> float:
        return self.rng.uniform(0.30, 0.55) if self.rng.random() < 1 / 6 else self.rng.uniform(0.70, 0.95)

    # ----- reference ----------------------------------------------------------------------------------
    async def seed(self) -> None:
        """Station a cadre in each village and pair its households; a restarted simulator resumes them."""
        today = self._today()
        existing = await self._all("/stationings", {"active_on": today.isoformat()})
        if existing:
            for s in existing:
                self.stationings.append(_Stationing(str(s["id"]), s["cadre_id"], s["township_code"], s["village_code"],
                                                    self._reliability(), today - timedelta(days=1)))
            for h in await self._all("/households", {}):
                if h.get("cadre_id"):
                    self.households.append(_Household(str(h["id"]), h["township_code"], h["village_code"],
                                                      h["cadre_id"]))
            return
        await self._some_at_a_time([self._station(t.code, v.code, today) for t in self.sim.townships
                                    for v in t.villages])

    async def _station(self, township: str, village: str, today: date) -> None:
        """The village's cadre: work contact, stationing, and the households paired with them."""
        cadre_id = f"sim-cadre-{village}"
        person = self.sim.people.person(min_age=25, max_age=55)
        me = await self.sim.call("liaison", "PUT", "/cadres/me", "liaison.cadre", headers=self.cadre(cadre_id, township),
                                 json={"township_code": township, "name": person.name, "work_phone": person.phone})
        if me is None:
            return
        got = await self.sim.call("liaison", "POST", "/stationings", "liaison.stationing",
                                  headers=self.sim.operator(township),
                                  json={"cadre_id": cadre_id, "village_code": village, "starts_on": today.isoformat()})
        if got:
            self.stationings.append(_Stationing(str(got["id"]), cadre_id, township, village, self._reliability(),
                                                today - timedelta(days=1)))
        for _ in range(HOUSEHOLDS_PER_VILLAGE):
            await self._register_household(township, village, cadre_id)

    async def _all(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            got = await self.sim.call("liaison", "GET", path, None, headers=self.sim.admin(),
                                      params={**params, "page": page, "page_size": 100})
            items = (got or {}).get("items", [])
            out += items
            if len(items) < 100:
                return out
            page += 1

    async def _register_household(self, township: str, village: str, cadre_id: str) -> None:
        rng = self.rng
        head = self.sim.people.person(min_age=30, max_age=75)
        members = [{"name": head.name, "relation": "户主", "employment": rng.choice(("farming", "local_work")),
                    "id_number": head.id_number, "phone": head.phone}]
        for relation in rng.sample(("配偶", "子女", "父母"), rng.randint(0, 3)):
            p = self.sim.people.person(min_age=5, max_age=85)
            members.append({"name": p.name, "relation": relation,
                            "employment": rng.choice(("farming", "migrant_work", "student", "retired"))})
        body = {"village_code": village, "members": members,
                "income_band": rng.choices(("below_4k", "4k_10k", "10k_20k", "20k_up"), (15, 45, 30, 10))[0],
                "needs": rng.sample(["产业帮扶", "就业培训", "危房改造", "医疗救助", "助学"], rng.randint(0, 2))}
        got = await self.sim.call("liaison", "POST", "/households", "liaison.household",
                                  headers=self.sim.operator(township), json=body)
        if not got:
            return
        paired = await self.sim.call("liaison", "POST", f"/households/{got['id']}/pairing", "liaison.pairing",
                                     headers=self.sim.operator(township), json={"cadre_id": cadre_id})
        if paired:
            self.households.append(_Household(str(got["id"]), township, village, cadre_id))

    # ----- the days -----------------------------------------------------------------------------------
    async def advance(self) -> None:
        """Once per new Beijing day: presence for the working days that ended, the day's visits, and the
        problems' petition matters picked up."""
        today = self._today()
        now = self.sim.now()
        if self._resumed is not None and now - self._resumed >= timedelta(hours=1) \
                and abs(datetime.now(UTC) - now) < timedelta(minutes=5):
            # Live: the petition worker registers the problems' matters as they come; take them on hourly
            # (in the history its intake runs in-process, tick by tick: once a day is plenty).
            self._resumed = now
            await self.sim.resume_matters()
        if self._day == today:
            return
        first = self._day is None
        self._day = today
        calls: list[Awaitable[None]] = [self._presence_until(s, today) for s in self.stationings]
        calls += [self._visit(h, today) for h in self.households if self._visit_day(h, today) == today]
        await self._some_at_a_time(calls)
        if not first:
            await self.sim.resume_matters()
        self._resumed = now

    @staticmethod
    async def _some_at_a_time(calls: list[Awaitable[None]], at_once: int = 6) -> None:
        """The day's cadres act independently (one stationing or household each): a few at a time, so the
        service's database work overlaps the simulator's own (the history's time on two cores)."""
        gate = asyncio.Semaphore(at_once)

        async def one(call: Awaitable[None]) -> None:
            async with gate:
                await call

        await asyncio.gather(*(one(c) for c in calls))

    async def _presence_until(self, s: _Stationing, today: date) -> None:
        """The working days of one stationing that ended since the last record, in order."""
        day = s.recorded_through + timedelta(days=1)
        while day < today:
            if is_workday(day):
                await self._presence(s, day)
            s.recorded_through = day
            day += timedelta(days=1)

    async def _presence(self, s: _Stationing, day: date) -> None:
        rng = random.Random(f"{s.id}:{day}")
        status = "in_village" if rng.random() < s.reliability else \
            rng.choices([a for a, _ in _AWAY], [w for _, w in _AWAY])[0]
        body: dict[str, Any] = {"day": day.isoformat(), "status": status}
        if status in _AWAY_NOTES:
            body["note"] = _AWAY_NOTES[status]
        await self.sim.call("liaison", "POST", "/presence", "liaison.presence", headers=self.cadre(s.cadre, s.township),
                            json=body)

    def _visit_day(self, h: _Household, today: date) -> date | None:
        month = f"{today:%Y-%m}"
        if month not in h.visits:
            rng = random.Random(f"{h.id}:{month}")
            planned = today.replace(day=rng.randint(1, 28))
            # A household met on the first day the simulator runs in a month, past its day, is visited today.
            h.visits[month] = None if rng.random() < MISSED_VISIT else max(planned, today)
        return h.visits[month]

    async def _visit(self, h: _Household, today: date) -> None:
        rng = self.rng
        problems = []
        if rng.random() < PROBLEM_ON_VISIT:
            category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
            problems.append({"category": category, "subcategory": rng.choice(SUBCATEGORIES[category]),
                             "description": _PROBLEM, "needs_handling": True})
        body = {"visited_on": today.isoformat(), "seen": rng.choice(_SEEN), "said": rng.choice(_SAID),
                "help_given": "宣讲惠民政策，登记帮扶需求" if rng.random() < 0.5 else None, "problems": problems}
        got = await self.sim.call("liaison", "POST", f"/households/{h.id}/visits", "liaison.visit",
                                  headers=self.cadre(h.cadre, h.township), json=body)
        if got and problems:
            self.sim.actions["liaison.problem"] += 1
