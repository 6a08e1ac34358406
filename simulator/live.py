"""The live county: realistic activity driven through the services' PUBLIC HTTP APIs (issue 8 §5).

`LiveSimulator` acts as the county's staff would: township operators register petitions and volunteer
wishes (微心愿), the 信访局 (county_admin) routes them with a leader's 签阅, department handlers accept,
extend and reply, the bureau records ratings and closes, supervisors 督办 overdue matters; township
safety stations inspect enterprises, raise hazards with deadlines, take plans, rectification reports
and re-inspections, impose penalties within the legal ranges and, rarely, report an accident; volunteer
teams accept, serve, close out with each volunteer's spans and get rated.

Each `step()` does one action per domain: either something new (weighted by township population,
fewer on rest days) or the next lifecycle action of an open item that has waited long enough
(`pace` × a per-stage dwell, in seconds of the simulator's clock; 0 = no waiting). State is kept in
memory (ids of open matters, hazards, requests); a 4xx is logged and counted (a 409 after a race is
normal), connection failures and 502/503/504 are retried with backoff (a restarting service is
waited for, never a crash), 5xx are counted. People are fictional (`simulator.people`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
    wait_random,
)

from minqing_contract.divisions import County, Township, load_county
from minqing_kit.auth import TokenSigner
from services.safety.domain.credit_code import ALPHABET, check_character
from simulator.history import (
    _CHANNELS_OFFDAY,
    _CHANNELS_WORKDAY,
    _HIGH_RISK,
    _INDUSTRIES,
    _KINDS,
    _PERMITTED,
    _REQUEST_CATEGORIES,
    _SATISFACTION,
    CATEGORY_WEIGHTS,
    DEPARTMENT_OF,
    SHANGHAI,
    SPECIALTIES,
    SUBCATEGORIES,
    is_workday,
)
from simulator.people import People, Person

log = logging.getLogger("simulator.live")
Clock = Callable[[], datetime]
Json = dict[str, Any]

_M, _H, _D = 60.0, 3600.0, 86400.0
#: How long (seconds of the simulator's clock, times `pace`) an item waits in a stage before its next
#: action: triangular (low, mode, high), and with probability `tail` a (low, high) uniform late tail.
#: The reasons for each figure are in docs/demo-county.md (statutory clocks of the 信访工作条例, the
#: 隐患排查治理 deadlines set at inspection, 新时代文明实践 service practice).
DURATIONS: dict[str, tuple[float, float, float, float, tuple[float, float]]] = {
    # petitions: 15-day routing and acceptance-notice clocks, 60-day reply clock (+ ≤30 days extension)
    "registered": (1 * _H, 12 * _H, 5 * _D, 0.03, (16 * _D, 20 * _D)),
    "assigned": (2 * _H, 1 * _D, 7 * _D, 0.03, (16 * _D, 22 * _D)),
    "accepted": (2 * _D, 6 * _D, 40 * _D, 0.05, (61 * _D, 80 * _D)),
    "replied": (4 * _H, 2 * _D, 7 * _D, 0.0, (0, 0)),
    "closed": (1 * _D, 5 * _D, 25 * _D, 0.0, (0, 0)),
    "under_review": (5 * _D, 18 * _D, 29 * _D, 0.05, (31 * _D, 40 * _D)),
    "reviewed": (2 * _D, 10 * _D, 28 * _D, 0.0, (0, 0)),
    "under_re_review": (5 * _D, 18 * _D, 29 * _D, 0.05, (31 * _D, 40 * _D)),
    # safety: rectification relative to the deadline is planned in `_hazard_due`
    "rectification_reported": (4 * _H, 1 * _D, 3 * _D, 0.0, (0, 0)),
    "reinspection_failed": (2 * _D, 4 * _D, 8 * _D, 0.0, (0, 0)),
    "penalised": (2 * _D, 4 * _D, 8 * _D, 0.0, (0, 0)),
    "plan": (1 * _D, 3 * _D, 8 * _D, 0.0, (0, 0)),
    "suspended": (10 * _D, 18 * _D, 40 * _D, 0.0, (0, 0)),
    "penalty": (1 * _D, 3 * _D, 7 * _D, 0.0, (0, 0)),
    # volunteer: 点单 → 审核 → 派单 → 接单 → 服务 → 评单
    "submitted": (10 * _M, 1 * _H, 6 * _H, 0.0, (0, 0)),
    "approved": (1 * _M, 2 * _M, 4 * _M, 0.0, (0, 0)),  # the worker dispatches within seconds
    "needs_manual_dispatch": (10 * _M, 1 * _H, 4 * _H, 0.0, (0, 0)),
    "dispatched": (5 * _M, 12 * _M, 45 * _M, 0.0, (0, 0)),  # 30 min, then escalated
    "accepted_request": (1 * _H, 6 * _H, 36 * _H, 0.0, (0, 0)),
    "in_service": (40 * _M, 90 * _M, 4 * _H, 0.0, (0, 0)),
    "completed": (1 * _H, 6 * _H, 48 * _H, 0.0, (0, 0)),
}
#: New items a day, county-wide (working day, rest day); see docs/demo-county.md.
ARRIVALS_PER_DAY: dict[str, tuple[float, float]] = {
    "matter": (8.0, 2.5), "inspection": (5.0, 0.4), "request": (14.0, 9.0), "supervision": (2.0, 0.0),
    "accident": (0.02, 0.02), "enterprise": (0.05, 0.0),
}
#: Share of the day's arrivals by Beijing hour: office hours carry most of it.
HOURLY = tuple(1.0 if 8 <= h < 18 else 0.35 if h in (7, 18, 19, 20) else 0.05 for h in range(24))


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: fine for the small means of one tick."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def dwell_seconds(key: str, stage: str) -> float:
    """The (stable, per item and stage) time an item spends in `stage`, in seconds at pace 1."""
    low, mode, high, tail, (tail_low, tail_high) = DURATIONS.get(stage, (30.0, 60.0, 120.0, 0.0, (0, 0)))
    rng = random.Random(f"{key}:{stage}")
    if tail and rng.random() < tail:
        return rng.uniform(tail_low, tail_high)
    return rng.triangular(low, high, mode)


OPEN_MATTER_STATUSES = ("registered", "assigned", "accepted", "replied", "under_review", "reviewed",
                        "under_re_review")
PLAN = {"objectives": "消除隐患，确保达到安全生产条件", "methods": "停用相关设施，按设计整改并委托第三方检测",
        "funding_and_materials": "企业自筹专项资金，材料设备已落实", "organisation_and_staff": "主要负责人牵头，安全员专人负责",
        "time_limits": "按整改期限分阶段完成", "safety_and_emergency": "整改期间设置警戒区，落实应急预案和现场监护"}
_INDUSTRY_SUFFIX = {"foundry": "铸造有限公司", "open_pit_quarry": "石材开采有限公司", "hazardous_chemicals": "化工有限公司",
                    "fireworks": "烟花爆竹有限公司", "metallurgy": "冶金有限公司", "construction": "建筑工程有限公司",
                    "other": "商贸有限公司"}
_FIRM_WORDS = ("宏达", "鑫源", "恒泰", "永兴", "金利", "华盛", "顺发", "兴旺", "安达", "正阳", "瑞丰", "盛世", "天成",
               "隆昌", "富民", "利群", "新兴", "和顺")
_CONTENT = {
    "economy": ("{v}道路改造施工影响出行，希望加快进度", "反映{v}征地补偿标准不清，要求公开测算依据",
                "建议在{v}增设农产品集散点，方便群众销售"),
    "livelihood": ("{v}自来水近期多次停水，水质发浑，请求尽快处理", "反映{v}附近养殖场异味严重，影响居民生活",
                   "孩子在{v}就近入学遇到困难，请求协调学位", "反映{v}医保报销手续繁琐，希望简化流程"),
    "dispute": ("在{v}务工三个月工资未结清，要求协调支付", "与邻居因{v}宅基地界址发生纠纷，请求调处",
                "反映{v}夜间有人聚集喧哗，影响休息"),
    "production": ("{v}购买的化肥疑似质量问题，庄稼受损，请求查处", "{v}土地流转租金迟迟未兑付，请求协调",
                   "反映{v}一家企业安全措施不到位，存在隐患"),
    "poverty_relief": ("家庭因病致困，申请{v}低保救助", "{v}危房改造补助尚未到位，请求核查",
                       "反映{v}留守老人缺少照料，希望安排上门服务"),
    "grassroots": ("对{v}村务公开不及时有意见，要求公开集体收支", "反映{v}村干部工作作风问题",
                   "对{v}集体资产出租情况有疑问，请求审计"),
}
_REPLIES = ("经调查核实，已协调相关单位处理，具体情况已当面告知。", "已责成属地乡镇限期解决，并将持续跟踪落实。",
            "经研究，诉求符合政策规定的部分已予以办理，不符合部分已作政策解释。", "已现场核查并组织整改，处理结果已书面答复。")
_FINDINGS = ("现场检查发现该项不符合要求", "安全管理台账记录不全", "设施设备未按规定检测维护", "作业人员未持证上岗",
             "安全警示标志缺失")
_REQUEST_TEXT = {
    "elderly_disabled": "家中老人行动不便，希望志愿者帮忙代购生活用品", "neighbourhood": "楼道杂物堆放，希望志愿者协助清理",
    "ecology": "村口河道垃圾较多，希望组织清理", "medical": "希望安排义诊量血压",
    "left_behind_children": "留守儿童暑期作业辅导", "legal": "咨询土地承包合同问题", "education": "孩子数学功课辅导",
    "culture": "村里想办一场文艺演出", "science": "希望讲解手机防诈骗知识", "emergency": "希望开展防汛应急演练",
    "theory": "希望宣讲最新惠农政策",
}


def system_clock() -> datetime:
    return datetime.now(UTC)


class _Retry(Exception):
    """A transient failure (connection refused, 502/503/504): retried with backoff."""


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


@dataclass
class _Matter:
    id: str
    township: str
    status: str
    since: datetime
    kind: str = "claim"
    subcategory: str = ""
    department: str | None = None
    accused: str | None = None
    lookup_code: str | None = None
    phone: str | None = None
    extended: bool = False
    satisfaction: str | None = None
    reviewed: bool = False


@dataclass
class _Enterprise:
    id: str
    township: str
    industry: str
    suspended_since: datetime | None = None
    fatal_accident: str | None = None  # a fatal accident's id: resumption takes the county's path


@dataclass
class _Hazard:
    id: str
    enterprise: _Enterprise
    level: str
    status: str
    since: datetime
    plan: bool = False
    penalised: bool = False
    deadline: datetime | None = None
    found: datetime | None = None


@dataclass
class _Team:
    id: str
    level: str
    division: str
    specialties: list[str]
    volunteers: list[str] = field(default_factory=list)


@dataclass
class _Request:
    id: str
    township: str
    village: str
    category: str
    ready_at: datetime
    duration: timedelta = timedelta(minutes=2)


class LiveSimulator:
    """Drive the county through HTTP. `volunteer` may be None (the service is then left out)."""

    def __init__(self, petition: httpx.AsyncClient, safety: httpx.AsyncClient, volunteer: httpx.AsyncClient | None,
                 seed: int = 7, pace: float = 1.0, *, signer: TokenSigner | None = None, clock: Clock = system_clock,
                 county: County | None = None, retry_seconds: float = 300.0, enterprises_per_10k: float = 1.5,
                 volunteers_per_team: tuple[int, int] = (2, 4), volume: float = 1.0,
                 liaison: httpx.AsyncClient | None = None) -> None:
        self.clients = {"petition": petition, "safety": safety, "volunteer": volunteer, "liaison": liaison}
        self.rng = random.Random(f"{seed}:live")
        self.pace = pace
        self.clock = clock
        self.county = county or load_county()
        self.people = People(seed, today=clock().date())
        self.retry_seconds = retry_seconds
        self.enterprises_per_10k = enterprises_per_10k
        self.volunteers_per_team = volunteers_per_team
        self.volume = volume
        self._last_advance: datetime | None = None
        self.tokens = signer or local_signer()
        self._token_cache: dict[tuple[str, str, str | None], tuple[float, str]] = {}
        self.townships = list(self.county.townships)
        self.weights = [t.population for t in self.townships]
        self.departments = [d.code for d in self.county.departments]
        # counters
        self.actions: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        # state
        self.matters: dict[str, _Matter] = {}
        self.enterprises: list[_Enterprise] = []
        self.hazards: dict[str, _Hazard] = {}
        self.penalties: dict[str, datetime] = {}  # awaiting publication
        self.checklists: dict[str, list[str]] = {}
        self.rules: dict[str, tuple[int, int]] = {}
        self.teams: list[_Team] = []
        self.requests: dict[str, _Request] = {}
        self.busy: dict[str, list[tuple[datetime, datetime]]] = {}
        self.credit_codes: set[str] = set()
        self._supervised: set[str] = set()
        from simulator.liaison import LiaisonDriver

        self.liaison = LiaisonDriver(self)

    # ----- plumbing ---------------------------------------------------------------------------------
    @property
    def server_errors(self) -> int:
        return sum(n for k, n in self.errors.items() if k.startswith("5"))

    @property
    def personal_data(self) -> set[str]:
        """Every fictional name, phone and ID number this simulator sent (none may reach the bus)."""
        return set(self.people.issued)

    def _token(self, role: str, scope: str | None = None, department: str | None = None) -> dict[str, str]:
        scope = scope or self.county.code
        return self.token_for(f"sim-{role}-{department or scope}", role, scope, department)

    def token_for(self, sub: str, role: str, scope: str, department: str | None = None) -> dict[str, str]:
        """A staff account's bearer header (cached for an hour): `sub` is the account (a cadre's id)."""
        key = (sub, role, scope)
        cached = self._token_cache.get(key)
        if cached is None or time.monotonic() - cached[0] > 3600:
            cached = (time.monotonic(), self.tokens.mint(sub, role, scope, department=department))
            self._token_cache[key] = cached
        return {"Authorization": f"Bearer {cached[1]}"}

    def admin(self) -> dict[str, str]:
        return self._token("county_admin")

    def operator(self, township: str) -> dict[str, str]:
        return self._token("township_operator", township)

    def handler(self, department: str) -> dict[str, str]:
        return self._token("department_handler", department=department)

    async def call(self, service: str, method: str, path: str, kind: str | None, *,
                   headers: dict[str, str] | None = None, json: Any = None, params: Any = None) -> Any:
        """One request with retries on transient failures; the JSON body, or None after a 4xx/5xx."""
        client = self.clients[service]
        assert client is not None
        response: httpx.Response | None = None
        try:
            async for attempt in AsyncRetrying(stop=stop_after_delay(self.retry_seconds),
                                               wait=wait_exponential(multiplier=0.5, max=15) + wait_random(0, 0.5),
                                               retry=retry_if_exception_type(_Retry), reraise=False):
                with attempt:
                    try:
                        response = await client.request(method, path, headers=headers, json=json, params=params)
                    except httpx.TransportError as exc:
                        log.warning("%s unreachable (%s): retrying", service, type(exc).__name__)
                        raise _Retry(str(exc)) from exc
                    if response.status_code in (502, 503, 504):
                        log.warning("%s answered %s: retrying", service, response.status_code)
                        raise _Retry(str(response.status_code))
        except RetryError:
            self.errors["unreachable"] += 1
            log.error("%s %s %s: gave up after %.0f s", service, method, path, self.retry_seconds)
            return None
        assert response is not None
        if response.status_code >= 500:
            self.errors[str(response.status_code)] += 1
            log.error("%s %s %s → %s %s", service, method, path, response.status_code, response.text[:300])
            return None
        if response.status_code >= 400:
            self.errors[str(response.status_code)] += 1
            log.info("%s %s %s → %s %s", service, method, path, response.status_code, response.text[:300])
            return None
        if kind:
            self.actions[kind] += 1
        return response.json() if response.content else {}

    def now(self) -> datetime:
        return self.clock()

    def _ready(self, since: datetime, stage: str, key: str = "") -> bool:
        return (self.now() - since).total_seconds() >= self.pace * dwell_seconds(key, stage)

    def _workday(self) -> bool:
        return is_workday(self.now().astimezone(SHANGHAI).date())

    def _township(self) -> Township:
        return self.rng.choices(self.townships, self.weights)[0]

    # ----- reference data ---------------------------------------------------------------------------
    async def seed_reference(self) -> None:
        """Enterprises per township, checklists and penalty rules, the volunteer network; open matters
        already in the petition service are picked up (a restarted simulator carries on)."""
        await self._seed_safety()
        if self.clients["volunteer"] is not None:
            await self._seed_volunteer()
        if self.clients["liaison"] is not None:
            await self.liaison.seed()
        await self._resume_matters()

    async def resume_matters(self) -> None:
        """Pick up open matters this simulator did not register (民情走访 matters the petition worker made
        from liaison problems; a restart's): they are taken on like its own."""
        await self._resume_matters()

    async def _seed_safety(self) -> None:
        for rule in await self.call("safety", "GET", "/penalty-rules", None, headers=self.admin()) or []:
            self.rules[rule["code"]] = (rule["min_yuan"], rule["max_yuan"])
        for industry, _ in _INDUSTRIES:
            got = await self.call("safety", "GET", f"/checklists/{industry}", None, headers=self.admin())
            if got:
                self.checklists[industry] = [i["code"] for i in got["items"]]
        for t in self.townships:
            existing = await self.call("safety", "GET", "/enterprises", None, headers=self.admin(),
                                       params={"township_code": t.code, "page_size": 100}) or {"items": []}
            for e in existing["items"]:
                self.enterprises.append(_Enterprise(str(e["id"]), t.code, e["industry"]))
            wanted = max(3, round(t.population / 10_000 * self.enterprises_per_10k))
            for _ in range(wanted - len(existing["items"])):
                await self._register_enterprise(t)
        got = await self.call("safety", "GET", "/hazards", None, headers=self.admin(),
                              params={"page_size": 100, "status": "found"})
        by_id = {e.id: e for e in self.enterprises}
        for h in (got or {}).get("items", []):
            ent = by_id.get(str(h["enterprise_id"]))
            if ent is not None:
                self.hazards[str(h["id"])] = _Hazard(
                    str(h["id"]), ent, h["level"], h["status"], self.now(), plan=h["level"] != "major",
                    deadline=datetime.fromisoformat(h["deadline"]) if h.get("deadline") else None)

    async def _register_enterprise(self, t: Township) -> None:
        rng = self.rng
        industry = _pick(rng, _INDUSTRIES)
        code = ""
        while not code or code in self.credit_codes:
            first = "91" + self.county.code[:6] + "".join(rng.choice(ALPHABET) for _ in range(9))
            code = first + check_character(first)
        self.credit_codes.add(code)
        boss = self.people.person(min_age=30, max_age=65)
        body: Json = {"name": t.name.rstrip("镇乡街道") + rng.choice(_FIRM_WORDS) + _INDUSTRY_SUFFIX[industry],
                      "credit_code": code, "township_code": t.code, "industry": industry,
                      "size": rng.choices(("micro", "small", "medium", "large"), (35, 45, 16, 4))[0],
                      "legal_representative": boss.name, "legal_representative_phone": boss.phone}
        if industry in _PERMITTED:
            body["permit"] = {"number": f"(民)FM安许证字[2025]{rng.randrange(10_000):04d}",
                              "valid_from": "2025-01-01", "valid_until": "2028-12-31"}
        got = await self.call("safety", "POST", "/enterprises", "safety.enterprise", headers=self.operator(t.code),
                              json=body)
        if got:
            self.enterprises.append(_Enterprise(str(got["id"]), t.code, industry))

    async def _seed_volunteer(self) -> None:
        teams = await self.call("volunteer", "GET", "/teams", None, headers=self.admin())
        if teams:
            for row in teams:
                self.teams.append(_Team(str(row["id"]), row["level"], row["home_division_code"],
                                        list(row["specialties"])))
            by_id = {t.id: t for t in self.teams}
            page = 1
            while True:
                got = await self.call("volunteer", "GET", "/volunteers", None, headers=self.admin(),
                                      params={"page": page, "page_size": 100})
                if not got or not got["items"]:
                    break
                for v in got["items"]:
                    for team_id in v["team_ids"]:
                        if str(team_id) in by_id:
                            by_id[str(team_id)].volunteers.append(str(v["id"]))
                page += 1
            return
        rng = self.rng

        async def station(level: str, division: str, name: str) -> str | None:
            got = await self.call("volunteer", "POST", "/stations", "volunteer.station", headers=self.admin(),
                                  json={"level": level, "division_code": division, "name": name})
            return str(got["id"]) if got else None

        async def team(station_id: str | None, level: str, division: str, township: str, name: str,
                       n_spec: int, capacity: int) -> None:
            if station_id is None:
                return
            specs = rng.sample(SPECIALTIES, n_spec)
            if level == "village" and "neighbourhood" not in specs:
                specs[0] = "neighbourhood"
            got = await self.call("volunteer", "POST", "/teams", "volunteer.team", headers=self.admin(), json={
                "name": name, "home_station_id": station_id, "specialties": specs, "capacity": capacity})
            if not got:
                return
            tm = _Team(str(got["id"]), level, division, specs)
            self.teams.append(tm)
            for _ in range(rng.randint(*self.volunteers_per_team) * (2 if level == "county" else 1)):
                p = self.people.person(min_age=18, max_age=70)
                days = sorted(rng.sample(range(7), rng.randint(2, 5)))
                slot = rng.choice((("08:00:00", "12:00:00"), ("14:00:00", "18:00:00"), ("08:00:00", "18:00:00")))
                v = await self.call("volunteer", "POST", "/volunteers", "volunteer.volunteer", headers=self.admin(),
                                    json={"name": p.name, "phone": p.phone, "id_number": p.id_number,
                                          "township_code": township, "skills": specs[:2], "team_ids": [tm.id],
                                          "available_time": [{"weekday": d, "start": slot[0], "end": slot[1]}
                                                             for d in days]})
                if v:
                    tm.volunteers.append(str(v["id"]))

        c = self.county
        center = await station("county", c.code, f"{c.name}新时代文明实践中心")
        for spec_name in ("文明实践志愿服务总队", "医疗卫生志愿服务总队", "应急救援志愿服务总队"):
            await team(center, "county", c.code, self.townships[0].code, f"{c.name}{spec_name}", 6, 15)
        for t in self.townships:
            st = await station("township", t.code, f"{t.name}新时代文明实践所")
            await team(st, "township", t.code, t.code, f"{t.name}志愿服务队", 4, 8)
            for v in t.villages:
                vs = await station("village", v.code, f"{v.name}新时代文明实践站")
                await team(vs, "village", v.code, t.code, f"{v.name}志愿服务队", 3, 4)

    async def _resume_matters(self) -> None:
        for status in OPEN_MATTER_STATUSES:
            got = await self.call("petition", "GET", "/matters", None, headers=self.admin(),
                                  params={"status": status, "limit": 200})
            for r in (got or {}).get("items", []):
                mid = str(r["id"])
                self.matters.setdefault(mid, _Matter(
                    mid, r.get("township_code", ""), status, self.now(), kind=r.get("kind", "claim"),
                    subcategory=r.get("subcategory", ""), department=r.get("department")))
                # No lookup code: staff views never show it (only the receipt did), so a matter picked up
                # after a restart is rated at the window by the officer, as for a person who lost the receipt.

    # ----- the loop ----------------------------------------------------------------------------------
    async def step(self) -> None:
        """One action per domain (something new, or the next step of an open item)."""
        await self.petition_step()
        await self.safety_step()
        if self.clients["volunteer"] is not None:
            await self.volunteer_step()

    async def run(self, stop: asyncio.Event, rate_per_s: float = 2.0, *, report_every: float = 10.0,
                  out: Callable[[str], None] | None = None) -> None:
        """`advance` `rate_per_s` times a second until `stop` is set; a summary line every `report_every` s."""
        out = out or (lambda line: print(line, flush=True))
        interval = 1.0 / max(rate_per_s, 1e-6)
        last_report = time.monotonic()
        while not stop.is_set():
            began = time.monotonic()
            try:
                await self.advance()
            except Exception:  # never let one bad response end the county's day
                self.errors["exception"] += 1
                log.exception("step failed")
            if time.monotonic() - last_report >= report_every:
                out(self.summary())
                last_report = time.monotonic()
            wait = interval - (time.monotonic() - began)
            if wait > 0:
                try:
                    await asyncio.wait_for(stop.wait(), wait)
                except TimeoutError:
                    pass
        out(self.summary())

    def summary(self) -> str:
        parts = []
        for domain in ("petition", "safety", "volunteer", "liaison"):
            done = {k.split(".", 1)[1]: n for k, n in sorted(self.actions.items()) if k.startswith(domain + ".")}
            if done:
                parts.append(f"{domain}: " + " ".join(f"{k}={n}" for k, n in done.items()))
        errors = " ".join(f"{k}={n}" for k, n in sorted(self.errors.items())) or "none"
        at = self.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        return (f"[{at}] {sum(self.actions.values())} actions | " + " | ".join(parts)
                + f" | open: {len(self.matters)} matters, {len(self.hazards)} hazards, {len(self.requests)} requests"
                + f" | errors: {errors}")

    # ----- time-driven running (history and live) -----------------------------------------------------
    def _wants_extension(self, m: _Matter) -> bool:
        """A reply planned beyond the 60-day clock asks for an extension (延期) at day ~50, 3 times in 5."""
        return (self.pace > 0 and dwell_seconds(m.id, "accepted") > 58 * _D
                and random.Random(f"{m.id}:extend").random() < 0.6)

    def _matter_ready(self, m: _Matter) -> bool:
        if m.status == "accepted" and not m.extended and self._wants_extension(m):
            return (self.now() - m.since).total_seconds() >= self.pace * 50 * _D
        return self._ready(m.since, m.status, m.id)

    def _hazard_ready(self, h: _Hazard) -> bool:
        """Rectification is planned against the hazard's deadline: 9 in 10 report within it."""
        if h.status != "found" or not h.plan or h.deadline is None or h.found is None:
            return self._ready(h.since, "plan" if h.status == "found" and not h.plan else h.status, h.id)
        rng = random.Random(f"{h.id}:rectify")
        share = rng.triangular(0.3, 0.85, 0.6) if rng.random() < 0.9 else rng.uniform(1.05, 1.6)
        target = (h.deadline - h.found).total_seconds() * share
        return (self.now() - h.found).total_seconds() >= self.pace * target

    async def _arrive(self, kind: str) -> None:
        if kind == "matter":
            await self._register_matter()
        elif kind == "inspection" and self.enterprises:
            await self._inspect(self.rng.choice(self.enterprises))
        elif kind == "request" and self.clients["volunteer"] is not None:
            await self._submit_request()
        elif kind == "supervision":
            await self._supervise()
        elif kind == "accident" and self.enterprises:
            await self._accident()
        elif kind == "enterprise":
            await self._register_enterprise(self._township())

    async def advance(self) -> int:
        """Bring the county up to the clock's now: the arrivals due since the last call (Poisson, by
        working day and Beijing hour, `ARRIVALS_PER_DAY` × `volume`), then the next action of every item
        whose dwell has passed. Returns the number of actions taken."""
        before = sum(self.actions.values())
        now = self.now()
        last = self._last_advance or now
        self._last_advance = now
        hours = max(0.0, (now - last).total_seconds() / 3600)
        if hours:
            local = now.astimezone(SHANGHAI)
            work = is_workday(local.date())
            share = HOURLY[local.hour] * 24 / sum(HOURLY)
            for kind, per_day in ARRIVALS_PER_DAY.items():
                for _ in range(poisson(self.rng, per_day[0 if work else 1] * self.volume * share * hours / 24)):
                    await self._arrive(kind)
        for m in [m for m in self.matters.values() if self._matter_ready(m)]:
            if m.id in self.matters:
                await self._progress_matter(m)
        for e in [e for e in self.enterprises if e.suspended_since and self._ready(e.suspended_since, "suspended", e.id)]:
            await self._resume(e)
        for pid in [p for p, at in self.penalties.items() if self._ready(at, "penalty", p)]:
            self.penalties.pop(pid)
            await self.call("safety", "POST", f"/penalties/{pid}/publication", "safety.publish", headers=self.admin())
        for h in [h for h in self.hazards.values() if self._hazard_ready(h)]:
            if h.id in self.hazards:
                await self._progress_hazard(h)
        if self.clients["volunteer"] is not None:
            for r in [r for r in self.requests.values() if r.ready_at <= now]:
                if r.id in self.requests:
                    await self._progress_request(r)
        if self.clients["liaison"] is not None:
            await self.liaison.advance()
        return sum(self.actions.values()) - before

    # ----- petitions ---------------------------------------------------------------------------------
    async def petition_step(self) -> None:
        rng = self.rng
        if rng.random() < 0.02:
            if await self._supervise():
                return
        p_new = 0.35 if self._workday() else 0.2
        ready = [m for m in self.matters.values() if self._matter_ready(m)]
        if not ready or rng.random() < p_new:
            await self._register_matter()
            return
        await self._progress_matter(rng.choice(ready))

    async def _register_matter(self) -> None:
        rng = self.rng
        t = self._township()
        channel = _pick(rng, _CHANNELS_WORKDAY if self._workday() else _CHANNELS_OFFDAY)
        kind = _pick(rng, _KINDS)
        category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        subcategory = rng.choice(SUBCATEGORIES[category])
        village = rng.choice(t.villages) if (channel == "field_visit" or rng.random() < 0.7) else None
        group = channel == "visit" and rng.random() < 0.04
        people: list[Person] = []
        petitioners: list[Json] = []
        # Accusations may come anonymously, group visits never (they must name their representatives).
        if group or not (kind == "accusation" and rng.random() < 0.3):
            for _ in range(rng.randint(2, 5) if group else (1 if rng.random() < 0.88 else rng.randint(2, 3))):
                p = self.people.person()
                people.append(p)
                petitioners.append({"name": p.name, "phone": p.phone if rng.random() < 0.95 else None,
                                    "id_number": p.id_number if (channel in ("visit", "field_visit", "letter")
                                                                 or rng.random() < 0.5) else None,
                                    "is_representative": group})
        headcount = rng.randint(max(5, len(petitioners)), 30) if group else max(1, len(petitioners))
        department = DEPARTMENT_OF[subcategory]
        accused = None
        if kind == "accusation":
            accused = rng.choice([d for d in self.departments if d not in (department, "xfj")])
        place = village.name if village else t.name
        body: Json = {"channel": channel, "kind": kind, "category": category, "subcategory": subcategory,
                      "township_code": t.code, "village_code": village.code if village else None,
                      "content": rng.choice(_CONTENT[category]).format(v=place), "petitioners": petitioners,
                      "headcount": headcount, "accused_department": accused}
        if channel == "field_visit":
            body["cadre_id"] = f"cadre-{t.code[6:9]}-{rng.randint(1, 12):02d}"
        got = await self.call("petition", "POST", "/matters", "petition.register", headers=self.operator(t.code),
                              json=body)
        if got:
            phone = next((p["phone"] for p in petitioners if p["phone"]), None)
            self.matters[str(got["matter_id"])] = _Matter(
                str(got["matter_id"]), t.code, "registered", self.now(), kind=kind, subcategory=subcategory,
                accused=accused, lookup_code=got["lookup_code"], phone=phone)

    def _track(self, m: _Matter, view: Any) -> None:
        if not view:
            return
        status = view.get("status", m.status)
        if status != m.status:
            m.status, m.since = status, self.now()
        m.department = view.get("department", m.department)
        m.satisfaction = view.get("satisfaction", m.satisfaction)
        m.extended = m.extended or bool(view.get("extension"))
        if status in ("closed", "final") and (m.satisfaction != "dissatisfied" or m.reviewed):
            self.matters.pop(m.id, None)
        elif status == "reviewed" and m.reviewed:
            self.matters.pop(m.id, None)

    async def _refresh(self, m: _Matter) -> None:
        view = await self.call("petition", "GET", f"/matters/{m.id}", None, headers=self.admin())
        if view is None:
            self.matters.pop(m.id, None)
        else:
            self._track(m, view)

    async def _act(self, m: _Matter, path: str, kind: str, headers: dict[str, str], body: Json | None = None,
                   public: bool = False) -> None:
        url = f"/public/matters/{m.lookup_code}/{path}" if public else f"/matters/{m.id}/{path}"
        view = await self.call("petition", "POST", url, f"petition.{kind}", headers=headers, json=body or {})
        if view is None:
            await self._refresh(m)  # a 409 after somebody else moved it: carry on from where it is
        elif public:
            await self._refresh(m)
        else:
            self._track(m, view)

    async def _progress_matter(self, m: _Matter) -> None:
        rng = self.rng
        admin = self.admin()
        if m.status == "registered":
            dept = DEPARTMENT_OF.get(m.subcategory, "xfj")
            if m.department is not None or dept == m.accused:  # re-routing after an objection
                dept = rng.choice([d for d in self.departments if d not in (m.department, m.accused)])
            await self._act(m, "assign", "assign", admin, {
                "department": dept, "mode": "assign" if rng.random() < 0.4 else "transfer",
                "signed_by": f"leader-{rng.choice(('xfj-01', 'xfj-02', 'county-03'))}"})
        elif m.status == "assigned":
            assert m.department
            if rng.random() < 0.05:
                await self._act(m, "objection", "objection", self.handler(m.department),
                                {"reason": "该事项不属于本单位职责范围，建议转有关部门办理"})
            else:
                await self._act(m, "accept", "accept", self.handler(m.department))
        elif m.status == "accepted":
            assert m.department
            r = rng.random()
            wants = self._wants_extension(m)
            if (wants or (self.pace == 0 and r < 0.07)) and not m.extended:
                days = min(30, max(10, math.ceil(self.pace * dwell_seconds(m.id, "accepted") / _D) - 55))
                m.extended = True  # also when refused: asked once
                await self._act(m, "extension", "extend", self.handler(m.department), {
                    "days": days, "reason": "情况复杂，需多部门会商并现场核查", "approved_by": f"head-{m.department}"})
            elif self.pace == 0 and r < 0.25:
                await self._act(m, "notes", "note", self.handler(m.department),
                                {"text": "已联系信访人了解情况，正在会同属地乡镇核查。"})
            else:
                if rng.random() < 0.2:
                    await self._act(m, "notes", "note", self.handler(m.department),
                                    {"text": "已联系信访人了解情况，正在会同属地乡镇核查。"})
                await self._act(m, "reply", "reply", self.handler(m.department), {"text": rng.choice(_REPLIES)})
        elif m.status in ("replied", "closed"):
            if m.satisfaction is None and m.status == "replied" and rng.random() < 0.8:
                satisfaction = _pick(rng, _SATISFACTION)
                if m.phone and m.lookup_code and rng.random() < 0.3:  # the person rates with the receipt code
                    await self._act(m, "rating", "rate_public", {},
                                    {"phone_tail": m.phone[-4:], "satisfaction": satisfaction}, public=True)
                else:
                    await self._act(m, "rating", "rate", admin, {"satisfaction": satisfaction})
            elif not m.reviewed and ((m.satisfaction == "dissatisfied" and rng.random() < 0.45)
                                     or (m.satisfaction == "basically_satisfied" and rng.random() < 0.04)):
                m.reviewed = True
                await self._act(m, "review", "review", admin, {"reason": "对答复意见不满意，申请复查"})
            elif m.status == "replied":
                await self._act(m, "close", "close", admin, {"note": "已答复并告知信访人"})
            else:
                self.matters.pop(m.id, None)
        elif m.status == "under_review":
            await self._act(m, "review/decision", "decide_review", admin, {
                "outcome": "upheld" if rng.random() < 0.8 else "changed", "opinion": "经复查，原处理意见认定事实清楚。"})
        elif m.status == "reviewed":
            if rng.random() < 0.3:
                await self._act(m, "re-review", "re_review", admin, {"reason": "对复查意见仍不服，申请复核"})
            else:
                self.matters.pop(m.id, None)
        elif m.status == "under_re_review":
            await self._act(m, "re-review/decision", "decide_re_review", admin, {
                "outcome": "upheld" if rng.random() < 0.85 else "changed", "opinion": "经复核，维持复查意见，信访事项终结。"})
        else:
            self.matters.pop(m.id, None)

    async def _supervise(self) -> bool:
        """督办: a county supervisor picks an overdue matter (only genuinely overdue ones qualify)."""
        sup = self._token("county_supervisor")
        got = await self.call("petition", "GET", "/matters", None, headers=sup, params={"overdue": "true", "limit": 50})
        items = [r for r in (got or {}).get("items", []) if str(r["id"]) not in self._supervised]
        if not items:
            return False
        mid = str(self.rng.choice(items)["id"])
        self._supervised.add(mid)
        await self.call("petition", "POST", f"/matters/{mid}/supervision", "petition.supervise", headers=sup,
                        json={"note": "请承办单位加快办理，按期答复"})
        return True

    # ----- safety ------------------------------------------------------------------------------------
    async def safety_step(self) -> None:
        rng = self.rng
        if not self.enterprises:
            await self._register_enterprise(self._township())
            return
        if rng.random() < 0.002 * max(1.0, self.pace):
            await self._accident()
            return
        suspended = [e for e in self.enterprises if e.suspended_since and self._ready(e.suspended_since, "suspended", e.id)]
        if suspended and rng.random() < 0.5:
            await self._resume(rng.choice(suspended))
            return
        due = [p for p, at in self.penalties.items() if self._ready(at, "penalty", p)]
        if due and rng.random() < 0.3:
            pid = rng.choice(due)
            self.penalties.pop(pid)
            await self.call("safety", "POST", f"/penalties/{pid}/publication", "safety.publish", headers=self.admin())
            return
        ready = [h for h in self.hazards.values() if self._hazard_ready(h)]
        if ready and rng.random() < 0.55:
            await self._progress_hazard(rng.choice(ready))
        elif rng.random() < 0.01:
            await self._register_enterprise(self._township())
        else:
            await self._inspect(rng.choice(self.enterprises))

    def _deadline(self, days: int) -> str:
        d = (self.now().astimezone(SHANGHAI) + timedelta(days=days)).replace(hour=17, minute=30, second=0,
                                                                           microsecond=0)
        return d.isoformat()

    async def _inspect(self, e: _Enterprise, kind: str = "routine", all_pass: bool = False) -> Any:
        rng = self.rng
        items = self.checklists.get(e.industry)
        if not items:
            return None
        results = {i: True for i in items}
        findings: list[Json] = []
        if not all_pass and rng.random() < 0.3:
            for item in rng.sample(items, min(len(items), rng.choices((1, 2, 3), (70, 24, 6))[0])):
                results[item] = False
                finding: Json = {"description": rng.choice(_FINDINGS), "item": item}
                if rng.random() < 0.9:  # the rest were put right on the spot
                    major = rng.random() < (0.1 if e.industry in _HIGH_RISK else 0.04)
                    finding["hazard"] = {"level": "major" if major else "general",
                                         "requirement": "按规定限期整改到位并报送整改佐证",
                                         "deadline": self._deadline(rng.randint(30, 90) if major
                                                                    else rng.randint(3, 15))}
                findings.append(finding)
        at = self.now() - timedelta(minutes=rng.uniform(1, 20) if self.pace else 0.05)
        station = f"{e.township[6:9]}-insp"
        got = await self.call("safety", "POST", f"/enterprises/{e.id}/inspections", f"safety.inspect_{kind}",
                              headers=self.operator(e.township), json={
                                  "kind": kind, "inspectors": [f"{station}-{rng.randint(1, 4):02d}",
                                                               f"{station}-{rng.randint(5, 8):02d}"],
                                  "inspected_at": at.isoformat(), "results": results, "findings": findings})
        if got:
            planned = [f["hazard"] for f in findings if "hazard" in f]
            for hid, hz in zip(got["hazard_ids"], planned, strict=False):
                level = hz["level"]
                self.hazards[str(hid)] = _Hazard(str(hid), e, level, "found", self.now(), plan=level != "major",
                                                 deadline=datetime.fromisoformat(hz["deadline"]), found=self.now())
                self.actions[f"safety.hazard_{level}"] += 1
        return got

    async def _progress_hazard(self, h: _Hazard) -> None:
        rng = self.rng
        op = self.operator(h.enterprise.township)
        got: Any
        if h.status in ("found", "reinspection_failed", "penalised"):
            if h.status == "reinspection_failed" and not h.penalised and rng.random() < 0.6:
                h.penalised = True
                await self._penalty(h)
                got = await self.call("safety", "GET", f"/hazards/{h.id}", None, headers=op)
            elif not h.plan:
                got = await self.call("safety", "POST", f"/hazards/{h.id}/plan", "safety.plan", headers=op,
                                      json={"plan": PLAN})
                h.plan = got is not None
            else:
                got = await self.call("safety", "POST", f"/hazards/{h.id}/rectification", "safety.rectification",
                                      headers=op, json={"evidence": ["整改前后对比照片已存档", "第三方检测报告"]})
        elif h.status == "rectification_reported":
            passed = rng.random() < 0.9
            got = await self.call("safety", "POST", f"/hazards/{h.id}/reinspection",
                                  "safety.reinspect_" + ("passed" if passed else "failed"), headers=op,
                                  json={"passed": passed, "note": "复查合格，予以销号" if passed else "整改不到位"})
        else:
            self.hazards.pop(h.id, None)
            return
        if got is None:
            got = await self.call("safety", "GET", f"/hazards/{h.id}", None, headers=op)
            if got is None:
                self.hazards.pop(h.id, None)
                return
        status = got.get("status", h.status)
        if status != h.status:
            h.status, h.since = status, self.now()
        if status == "closed":
            self.hazards.pop(h.id, None)

    async def _penalty(self, h: _Hazard) -> None:
        rng = self.rng
        article = "art101_5_unit" if h.level == "major" else "art102_unit"
        low, high = self.rules.get(article, (1, 50_000))
        low = max(low, 20_000 if h.level == "major" else 5_000)
        amount = min(high, rng.randrange(low, high + 1, 500))
        got = await self.call("safety", "POST", "/penalties", "safety.penalty", headers=self.admin(), json={
            "enterprise_id": h.enterprise.id, "article": article, "amount_yuan": amount,
            "decided_at": (self.now() - timedelta(seconds=5)).isoformat(), "hazard_id": h.id})
        if got:
            self.penalties[str(got["penalty_id"])] = self.now()

    async def _accident(self) -> None:
        rng = self.rng
        weights = [3 if e.industry in _HIGH_RISK else 1 for e in self.enterprises]
        e = rng.choices(self.enterprises, weights)[0]
        r = rng.random()
        deaths = 0 if r < 0.88 else 1 if r < 0.98 else 2
        now = self.now()
        got = await self.call("safety", "POST", f"/enterprises/{e.id}/accidents", "safety.accident",
                              headers=self.operator(e.township), json={
                                  "occurred_at": (now - timedelta(minutes=rng.uniform(12, 50))).isoformat(),
                                  "reported_at": (now - timedelta(seconds=5)).isoformat(), "deaths": deaths,
                                  "serious_injuries": rng.choices((0, 1, 2, 3), (55, 28, 12, 5))[0],
                                  "direct_loss_yuan": int(rng.lognormvariate(11.5, 1.0))})
        if got and got.get("operating_status") == "suspended":
            e.suspended_since = self.now()
            if deaths:
                e.fatal_accident = got["accident_id"]

    async def _resume(self, e: _Enterprise) -> None:
        if e.fatal_accident:
            await self._resume_after_fatal_accident(e)
            return
        insp = await self._inspect(e, kind="re_inspection", all_pass=True)
        if insp and insp.get("passed"):
            got = await self.call("safety", "POST", f"/enterprises/{e.id}/resume", "safety.resume",
                                  headers=self.operator(e.township), json={"inspection_id": insp["inspection_id"]})
            if got is not None:
                e.suspended_since = None
                return
        e.suspended_since = self.now()  # try again later

    async def _resume_after_fatal_accident(self, e: _Enterprise) -> None:
        """After a fatal accident the county closes the investigation, then checks on site (复产验收)."""
        # (A second try finds the investigation closed already: that 409 is expected, the check goes on.)
        await self.call("safety", "POST", f"/accidents/{e.fatal_accident}/investigation",
                        "safety.close_investigation", headers=self.admin(), json={
                            "conclusion": "调查报告已批复，整改措施落实", "nature": "liability"})
        got = await self.call("safety", "POST", f"/enterprises/{e.id}/resumption-acceptances",
                              "safety.resumption_acceptance", headers=self.admin(), json={
                                  "passed": True, "checked_at": self.now().isoformat(),
                                  "inspectors": ["县应急管理局验收组"], "note": "现场验收合格"})
        if got is not None:
            e.suspended_since, e.fatal_accident = None, None
            return
        e.suspended_since = self.now()  # try again later

    # ----- volunteer ---------------------------------------------------------------------------------
    async def volunteer_step(self) -> None:
        rng = self.rng
        ready = [r for r in self.requests.values() if r.ready_at <= self.now()]
        p_new = 0.3 if self._workday() else 0.25
        if not ready or rng.random() < p_new:
            await self._submit_request()
        else:
            await self._progress_request(rng.choice(ready))

    async def _submit_request(self) -> None:
        rng = self.rng
        t = self._township()
        village = rng.choice(t.villages)
        category = _pick(rng, _REQUEST_CATEGORIES)
        p = self.people.person(min_age=25, max_age=85)
        got = await self.call("volunteer", "POST", "/requests", "volunteer.submit", headers=self.operator(t.code), json={
            "category": category, "village_code": village.code, "description": _REQUEST_TEXT[category],
            "urgency": rng.choices(("low", "normal", "high", "urgent"), (20, 60, 15, 5))[0],
            "requester_name": p.name, "requester_phone": p.phone if rng.random() < 0.9 else ""})
        if got:
            self.requests[str(got["id"])] = _Request(str(got["id"]), t.code, village.code, category,
                                                     self._after("submitted", str(got["id"])))

    def _after(self, stage: str, key: str = "") -> datetime:
        return self.now() + timedelta(seconds=self.pace * dwell_seconds(f"{key}:{self.now().timestamp()}", stage))

    async def _progress_request(self, r: _Request) -> None:
        rng = self.rng
        admin = self.admin()
        op = self.operator(r.township)
        view = await self.call("volunteer", "GET", f"/requests/{r.id}", None, headers=admin)
        if view is None:
            self.requests.pop(r.id, None)
            return
        status = view["status"]
        base = f"/requests/{r.id}"
        got: Any = None
        if status == "submitted":
            if rng.random() < 0.04:
                got = await self.call("volunteer", "POST", f"{base}/reject", "volunteer.reject", headers=op,
                                      json={"reason": "不属于志愿服务范围，已引导至相关部门"})
            else:
                got = await self.call("volunteer", "POST", f"{base}/approve", "volunteer.approve", headers=op)
        elif status in ("approved", "needs_manual_dispatch"):
            # The worker dispatches approved requests; if it has not (yet), a team grabs it or staff dispatch.
            teams = self._teams_for(r)
            if rng.random() < 0.03:
                got = await self.call("volunteer", "POST", f"{base}/cancel", "volunteer.cancel", headers=op,
                                      json={"reason": "群众诉求已自行解决"})
            elif teams and rng.random() < 0.15:
                got = await self.call("volunteer", "POST", f"{base}/grab", "volunteer.grab", headers=op,
                                      json={"team_id": rng.choice(teams).id})
            else:
                team_id = rng.choice(teams).id if status == "needs_manual_dispatch" and teams else None
                got = await self.call("volunteer", "POST", f"{base}/dispatch", "volunteer.dispatch", headers=admin,
                                      json={"team_id": team_id})
        elif status == "dispatched":
            team_id = view.get("team_id")
            if rng.random() < 0.08:
                got = await self.call("volunteer", "POST", f"{base}/decline", "volunteer.decline", headers=admin,
                                      json={"team_id": team_id, "reason": "队员时间冲突，暂无法承接"})
            else:
                got = await self.call("volunteer", "POST", f"{base}/accept", "volunteer.accept", headers=admin,
                                      json={"team_id": team_id})
        elif status == "accepted":
            got = await self.call("volunteer", "POST", f"{base}/start", "volunteer.start", headers=admin)
            r.duration = max(timedelta(minutes=1.5),
                             timedelta(seconds=self.pace * dwell_seconds(r.id, "in_service")))
            if got:
                r.ready_at = datetime.fromisoformat(str(got["started_at"])) + r.duration + timedelta(seconds=5)
                return
        elif status == "in_service":
            got = await self._complete(r, view)
            if got:
                r.ready_at = self._after("completed", r.id)
                return
        elif status == "completed":
            if rng.random() < 0.85:
                stars = rng.choices((1, 2, 3, 4, 5), (2, 3, 10, 30, 55))[0]
                await self.call("volunteer", "POST", f"{base}/rate", "volunteer.rate", headers=admin,
                                json={"stars": stars, "comment": "服务热情周到" if stars >= 4 else ""})
            self.requests.pop(r.id, None)
            return
        else:  # rated, rejected, cancelled
            self.requests.pop(r.id, None)
            return
        if got is not None and got.get("status") in ("rejected", "cancelled"):
            self.requests.pop(r.id, None)
            return
        stage = str((got or view).get("status", status))
        r.ready_at = self._after("accepted_request" if stage == "accepted" else stage, r.id)

    def _teams_for(self, r: _Request) -> list[_Team]:
        near = [t for t in self.teams if r.category in t.specialties
                and (t.division == r.village or t.division == r.township)]
        return near or [t for t in self.teams if t.level == "county" and r.category in t.specialties]

    async def _complete(self, r: _Request, view: Json) -> Any:
        rng = self.rng
        started = datetime.fromisoformat(str(view["started_at"]))
        end_limit = self.now() - timedelta(seconds=2)
        team = next((t for t in self.teams if t.id == str(view.get("team_id"))), None)
        pool = list(team.volunteers) if team and team.volunteers else [v for t in self.teams for v in t.volunteers]
        rng.shuffle(pool)
        spans: list[Json] = []
        wanted = rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0]
        for v in pool:
            start = started + timedelta(seconds=rng.uniform(0, 20))
            minutes = (end_limit - start).total_seconds() / 60
            if minutes < 1.05:
                continue
            end = start + timedelta(minutes=math.floor(minutes * rng.uniform(0.7, 1.0)) or 1)
            if end > end_limit:
                end = end_limit
            if any(s < end and start < e for s, e in self.busy.get(v, [])):
                continue
            spans.append({"volunteer_id": v, "start": start.isoformat(), "end": end.isoformat()})
            if len(spans) == wanted:
                break
        if not spans:
            r.ready_at = self.now() + timedelta(seconds=max(30.0, 30 * self.pace))
            return None
        got = await self.call("volunteer", "POST", f"/requests/{r.id}/complete", "volunteer.complete",
                              headers=self.admin(), json={"spans": spans})
        if got:
            for s in spans:
                spans_of = self.busy.setdefault(s["volunteer_id"], [])
                spans_of.append((datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])))
                del spans_of[:-20]
        return got


# ----- command line (`python -m simulator live|demo`) ---------------------------------------------------
#: The platform's one address (nginx in front of the APIs and the web pages: deploy/nginx/devstack.conf).
PROXY = "http://127.0.0.1:8100"


def add_arguments(p: Any) -> None:
    p.add_argument("--rate", type=float, default=1.0,
                   help="times a second the county is brought up to the clock (arrivals and due steps)")
    p.add_argument("--pace", type=float, default=1.0,
                   help="multiplier of the realistic dwell times between lifecycle steps (docs/demo-county.md)")
    p.add_argument("--volume", type=float, default=1.0,
                   help="multiplier of the realistic arrival rates (1.0 = a county of ~217k people)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--petition-url", default="http://127.0.0.1:8101")
    p.add_argument("--safety-url", default="http://127.0.0.1:8102")
    p.add_argument("--volunteer-url", default="http://127.0.0.1:8103", help="'none' leaves volunteering out")
    p.add_argument("--liaison-url", default="http://127.0.0.1:8106", help="'none' leaves stationing and visits out")
    p.add_argument("--report-every", type=float, default=10.0, help="seconds between summary lines")


async def _answers(url: str, path: str = "/readyz", timeout: float = 3.0) -> bool:
    try:
        async with httpx.AsyncClient(base_url=url, timeout=timeout) as c:
            return (await c.get(path)).status_code == 200
    except httpx.HTTPError:
        return False


async def wait_ready(urls: dict[str, str], timeout: float, out: Callable[[str], None]) -> dict[str, bool]:
    """Poll every service's /readyz until all answer or `timeout` passes, printing progress."""
    deadline = time.monotonic() + timeout
    ready = {name: False for name in urls}
    last_print = 0.0
    while True:
        for name, url in urls.items():
            if not ready[name]:
                ready[name] = await _answers(url)
        if all(ready.values()) or time.monotonic() >= deadline:
            return ready
        if time.monotonic() - last_print >= 5:
            waiting = ", ".join(n for n, ok in ready.items() if not ok)
            left = deadline - time.monotonic()
            out(f"waiting for {waiting} to answer /readyz ({left:.0f} s left) ...")
            last_print = time.monotonic()
        await asyncio.sleep(1.0)


def _install_stop(stop: asyncio.Event) -> None:
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass


async def _live(args: Any, out: Callable[[str], None], *, seeded: bool = False,
                volunteer_ok: bool | None = None, sim: LiveSimulator | None = None, liaison_ok: bool | None = None) -> None:
    vol_url = None if str(args.volunteer_url).lower() == "none" else args.volunteer_url
    if vol_url and volunteer_ok is None:
        volunteer_ok = await _answers(vol_url) or await _answers(vol_url, "/healthz")
        if not volunteer_ok:
            out(f"volunteer service at {vol_url} does not answer: volunteering is left out of this run")
    liaison_url = None if str(getattr(args, "liaison_url", "none")).lower() == "none" else args.liaison_url
    if liaison_url and liaison_ok is None:
        liaison_ok = await _answers(liaison_url) or await _answers(liaison_url, "/healthz")
        if not liaison_ok:
            out(f"liaison service at {liaison_url} does not answer: stationing and visits are left out of this run")
    timeout = httpx.Timeout(30.0, connect=5.0)
    async with httpx.AsyncClient(base_url=args.petition_url, timeout=timeout) as petition, \
            httpx.AsyncClient(base_url=args.safety_url, timeout=timeout) as safety, \
            httpx.AsyncClient(base_url=vol_url or "http://unused", timeout=timeout) as volunteer, \
            httpx.AsyncClient(base_url=liaison_url or "http://unused", timeout=timeout) as liaison_client:
        vol = volunteer if vol_url and volunteer_ok else None
        lia = liaison_client if liaison_url and liaison_ok else None
        stop = asyncio.Event()
        _install_stop(stop)
        if sim is not None:  # the history's simulator carries on, with its open items, on the wall clock
            sim.clients = {"petition": petition, "safety": safety, "volunteer": vol, "liaison": lia}
            sim.clock = system_clock
        else:
            sim = LiveSimulator(petition, safety, vol, args.seed, args.pace, volume=args.volume, liaison=lia)
            if not seeded:
                out("seeding reference data (enterprises, volunteer network) ...")
            await sim.seed_reference()
        out(f"live: {len(sim.enterprises)} enterprises, {len(sim.teams)} volunteer teams, "
            f"{len(sim.matters)} open matters; county time, realistic rates ×{sim.volume:g} — Ctrl-C stops")
        await sim.run(stop, args.rate, report_every=args.report_every, out=out)
        out("stopped.")


def _print(line: str) -> None:
    print(line, flush=True)


def main_live(args: Any) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_live(args, _print))
    return 0


def local_signer() -> TokenSigner:
    """The operator's signing key (the simulator acts as every role): MINQING_JWT_PRIVATE_KEY_FILE,
    else the local stack's key pair (devstack/keys.py, made on first use)."""
    import os

    path = os.environ.get("MINQING_JWT_PRIVATE_KEY_FILE")
    if not path:
        from devstack.keys import ensure_keys
        from devstack.settings import DevstackSettings

        path = str(ensure_keys(DevstackSettings())[0])
    return TokenSigner.from_file(path)


def where_to_look(tokens: TokenSigner, county_code: str) -> str:
    """What the demo prints once the county is loaded: where each page, API, metric and token is."""
    from devstack.services import SERVICES  # the platform's ports, as devstack starts the services

    viewer = tokens.mint("demo-viewer", "read_only", county_code)
    admin = tokens.mint("demo-admin", "county_admin", county_code)
    lines = ["", "=" * 78, f"WHERE TO LOOK (one address: the proxy on {PROXY}/)", "=" * 78,
             f"  staff workbench:   {PROXY}/workbench/",
             "    (sign in with a demo account listed when ./scripts/platform started; .devstack/demo-accounts.json)",
             f"  citizens' phone pages:   {PROXY}/m/   (progress by receipt code, 点单, volunteer sign-up)",
             f"  dashboard (county figures, live):   {PROXY}/reporting/dashboard/",
             "    (opened from the workbench as demo.supervisor, or paste the read-only token below into its"
             " 访问令牌 box; rows open their cases)", "  API docs:"]
    lines += [f"    {name:10} {PROXY}/{name}/docs" for name in SERVICES]
    lines.append("  metrics (Prometheus text):")
    lines += [f"    {name:10} API http://127.0.0.1:{ports.api}/metrics   worker http://127.0.0.1:{ports.metrics}/metrics"
              for name, ports in SERVICES.items()]
    lines += ["  tokens (valid 12 h; send as 'Authorization: Bearer <token>'):",
              f"    read-only, whole county: {viewer}",
              f"    county_admin:            {admin}",
              f"  try:  curl -H 'Authorization: Bearer <token>' '{PROXY}/petition/matters?page_size=5'",
              "  follow the bus (docs/subscribers.md), as this dev stack's Kafka admin:",
              "    MINQING_KAFKA_USERNAME=admin MINQING_KAFKA_PASSWORD=\"$(.venv/bin/python -c 'import json;"
              " print(json.load(open(\".devstack/kafka/credentials.json\"))[\"admin\"])')\" \\",
              "    .venv/bin/python -m minqing_contract.tail petition safety volunteer liaison", "=" * 78, ""]
    return "\n".join(lines)


async def _demo(args: Any, out: Callable[[str], None]) -> int:
    """Wait for the stack; on the first run make the history through the services (in-process apps on a
    simulated clock, against the services' own databases: `simulator.backfill`), mark it done so that
    the services' workers start, then carry on live against the service processes."""
    from devstack.settings import DevstackSettings
    from minqing_kit.settings import ServiceSettings
    from simulator.backfill import load_history, marker_path, write_marker

    settings = ServiceSettings()
    urls = {"petition": args.petition_url, "safety": args.safety_url, "reporting": args.reporting_url}
    if str(args.volunteer_url).lower() != "none":
        urls["volunteer"] = args.volunteer_url
    if str(args.liaison_url).lower() != "none":
        urls["liaison"] = args.liaison_url
    out(f"waiting up to {args.ready_timeout:.0f} s for {', '.join(urls)} ...")
    ready = await wait_ready(urls, args.ready_timeout, out)
    if not (ready["petition"] and ready["safety"]):
        out("the petition and safety services did not become ready: is the stack up? (see README)")
        return 1
    for name, ok in ready.items():
        if not ok:
            out(f"warning: {name} is not ready; carrying on without waiting for it")
    marker = marker_path()
    sim: LiveSimulator | None = None
    if marker.exists():
        out("the history is already loaded (devstack wipe starts afresh): carrying on live")
    elif args.history_days > 0 and await _petition_is_empty(args.petition_url, settings):
        local = DevstackSettings()
        dsns = {s: local.pg_dsn(f"minqing_{s}") for s in ("petition", "safety", "volunteer")
                + (("liaison",) if ready.get("liaison") else ())}
        out(f"making {args.history_days:g} days of history through the services (their handlers, databases and "
            "outboxes, on a simulated clock); the dashboard fills as it goes ...")
        sim, stats = await load_history(args.history_days, dsns, seed=args.seed, volume=args.volume, out=out,
                                        signer=local_signer(),
                                        overrides={"kafka_bootstrap": local.kafka_bootstrap},
                                        service_overrides=_kafka_users(local, dsns))
        out(f"history: {stats.days:.1f} days, {stats.actions:,} actions through the services in "
            f"{stats.seconds:.0f} s")
        write_marker(marker, {"days": stats.days, "actions": stats.actions, "seconds": round(stats.seconds, 1),
                              "at": datetime.now(UTC).isoformat()})
    else:
        out("the petition service already holds matters: no history made")
        write_marker(marker, {"days": 0, "at": datetime.now(UTC).isoformat()})
    out(where_to_look(local_signer(), settings.county_code))
    await _live(args, out, seeded=False, volunteer_ok=ready.get("volunteer", False), sim=sim,
                liaison_ok=ready.get("liaison", False))
    return 0


def _kafka_users(local: Any, services: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each in-process service signs in to Kafka as itself (devstack keeps the passwords)."""
    from devstack.kafka import credentials

    creds = credentials(local)
    return {s: {"kafka_username": s, "kafka_password": creds[s]} for s in services}


async def _petition_is_empty(url: str, settings: Any) -> bool:
    token = local_signer().mint("demo", "county_admin", settings.county_code)
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        r = await c.get("/matters", params={"limit": 1}, headers={"Authorization": f"Bearer {token}"})
        return r.status_code == 200 and not r.json().get("items")


def main_wait_history(args: Any) -> int:
    """Block until the demo's history is loaded (or `timeout`): the Procfile runs the workers after it."""
    from simulator.backfill import marker_path

    marker = marker_path()
    deadline = time.monotonic() + args.timeout
    while not marker.exists():
        if time.monotonic() > deadline:
            _print(f"no {marker} after {args.timeout:.0f} s: starting anyway")
            return 0
        time.sleep(1.0)
    return 0


def main_demo(args: Any) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return asyncio.run(_demo(args, _print))
