"""Reconciliation: every county figure in reporting against the services' own counts (issue 18).

`python -m simulator check` reads the reporting service's figures through its API (`GET /api/figures`,
county scope, the last three years) and counts the same things in the petition, safety and volunteer
databases, READ ONLY (each query runs in a `READ ONLY` transaction: the check never changes a case),
then lists every difference and exits 1 if there is one.

What is compared (figure key · field ← service table):
- 信访: received, people, by channel / kind / category, group visits; 在办; routed / accepted / replied
  / rated / satisfied counts (the rates' numerators and denominators); overdue now, by deadline kind
  (announced overdue deadlines whose step is still undone).
- 安全: inspections (by kind, findings); hazards found (by level); rectified, rectified on time;
  overdue now; major hazards under supervision; penalties (count, amount); suspended enterprises;
  accidents (count, deaths, serious injuries).
- 志愿: requests (by category); completed; first dispatches; escalations; acceptances; ratings and 4–5
  stars; hours records.

Figures that only exist in reporting (percentiles' values, active teams, the ranking) are derived from the
compared counts and are not recounted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from simulator.history import SHANGHAI

#: (figure key, field path, service, SQL returning one number or (key, number) rows for a split).
Check = tuple[str, str, str, str]

_P_OVERDUE_OPEN = """
SELECT a.deadline AS k, count(*) AS n FROM deadline_alerts a JOIN matters m ON m.id = a.matter_id
WHERE a.level = 'overdue' AND (m.closed_at IS NULL OR a.raised_at > m.closed_at) AND CASE a.deadline
  WHEN 'route' THEN m.status = 'registered'
  WHEN 'acceptance_notice' THEN m.status = 'assigned'
  WHEN 'objection' THEN m.status = 'assigned'
  WHEN 'reply' THEN m.status = 'accepted'
  WHEN 'review_decision' THEN m.review_decided_at IS NULL
  WHEN 're_review_decision' THEN m.re_review_decided_at IS NULL
  ELSE true END
GROUP BY a.deadline"""
_NEW = "FROM matters WHERE status <> 'linked'"

CHECKS: tuple[Check, ...] = (
    ("petitions_received", "value", "petition", f"SELECT count(*) {_NEW}"),
    ("petitions_received", "people", "petition", f"SELECT coalesce(sum(headcount), 0) {_NEW}"),
    ("petitions_received", "by_channel", "petition", f"SELECT channel AS k, count(*) AS n {_NEW} GROUP BY 1"),
    ("petitions_received", "by_kind", "petition", f"SELECT kind AS k, count(*) AS n {_NEW} GROUP BY 1"),
    ("petitions_received", "by_category", "petition", f"SELECT category AS k, count(*) AS n {_NEW} GROUP BY 1"),
    ("group_visits", "value", "petition", f"SELECT count(*) {_NEW} AND is_group_visit"),
    ("petitions_open", "value", "petition", f"SELECT count(*) {_NEW} AND closed_at IS NULL"),
    ("on_time_routing_rate", "denominator", "petition", "SELECT count(*) FROM assignments"),
    ("on_time_acceptance_rate", "denominator", "petition", "SELECT count(accepted_at) FROM matters"),
    ("on_time_reply_rate", "denominator", "petition", "SELECT count(replied_at) FROM matters"),
    ("petition_satisfaction_rate", "denominator", "petition", "SELECT count(rated_at) FROM matters"),
    ("petition_satisfaction_rate", "numerator", "petition",
     "SELECT count(*) FROM matters WHERE satisfaction IN ('satisfied', 'basically_satisfied')"),
    ("petitions_overdue_now", "value", "petition", f"SELECT coalesce(sum(n), 0) FROM ({_P_OVERDUE_OPEN}) x"),
    ("petitions_overdue_now", "by_deadline", "petition", _P_OVERDUE_OPEN),
    ("inspections", "value", "safety", "SELECT count(*) FROM inspections"),
    ("inspections", "by_kind", "safety", "SELECT kind AS k, count(*) AS n FROM inspections GROUP BY 1"),
    ("inspections", "findings", "safety", "SELECT count(*) FROM findings"),
    ("hazards_found", "value", "safety", "SELECT count(*) FROM hazards"),
    ("hazards_found", "by_level", "safety", "SELECT level AS k, count(*) AS n FROM hazards GROUP BY 1"),
    ("rectification_rate", "numerator", "safety", "SELECT count(closed_at) FROM hazards"),
    ("on_time_rectification_rate", "denominator", "safety", "SELECT count(closed_at) FROM hazards"),
    ("on_time_rectification_rate", "numerator", "safety",
     "SELECT count(*) FROM hazards WHERE closed_at IS NOT NULL AND coalesce(reported_at, closed_at) <= deadline"),
    ("hazards_overdue_now", "value", "safety",
     "SELECT count(*) FROM hazards WHERE overdue_notified_at IS NOT NULL AND closed_at IS NULL"),
    ("major_hazards_supervised", "value", "safety",
     "SELECT count(*) FROM hazards WHERE level = 'major' AND closed_at IS NULL"),
    ("penalties", "value", "safety", "SELECT count(*) FROM penalties"),
    ("penalties", "amount", "safety", "SELECT coalesce(sum(amount_yuan), 0) FROM penalties"),
    ("suspended_enterprises", "value", "safety",
     "SELECT count(*) FROM enterprises WHERE operating_status = 'suspended'"),
    ("accidents", "value", "safety", "SELECT count(*) FROM accidents"),
    ("accidents", "deaths", "safety", "SELECT coalesce(sum(deaths), 0) FROM accidents"),
    ("accidents", "serious_injuries", "safety", "SELECT coalesce(sum(serious_injuries), 0) FROM accidents"),
    ("volunteer_requests", "value", "volunteer", "SELECT count(*) FROM vol_requests"),
    ("volunteer_requests", "by_category", "volunteer",
     "SELECT category AS k, count(*) AS n FROM vol_requests GROUP BY 1"),
    ("completion_rate", "numerator", "volunteer", "SELECT count(completed_at) FROM vol_requests"),
    ("time_to_dispatch", "n", "volunteer", "SELECT count(dispatched_at) FROM vol_requests"),
    ("escalation_rate", "denominator", "volunteer", "SELECT count(dispatched_at) FROM vol_requests"),
    # An escalation that finds no team above flags manual dispatch instead: a vol_escalations row, no event.
    ("escalation_rate", "numerator", "volunteer",
     "SELECT count(*) FROM vol_request_audit WHERE action = 'escalate' AND to_status = 'dispatched'"),
    ("time_to_complete", "n", "volunteer", "SELECT count(completed_at) FROM vol_requests"),
    ("volunteer_satisfaction", "denominator", "volunteer", "SELECT count(*) FROM vol_ratings"),
    ("volunteer_satisfaction", "numerator", "volunteer", "SELECT count(*) FROM vol_ratings WHERE stars >= 4"),
    ("volunteer_hours", "records", "volunteer", "SELECT count(*) FROM vol_hours"),
)


@dataclass(frozen=True)
class Difference:
    figure: str
    field: str
    service: str
    reporting: Any
    service_count: Any

    def __str__(self) -> str:
        return (f"{self.figure}.{self.field}: reporting {self.reporting!r} ≠ {self.service} "
                f"{self.service_count!r}")


def _number(x: Any) -> float:
    return float(x or 0)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        a, b = a or {}, b or {}
        keys = {k for k, v in a.items() if _number(v)} | {k for k, v in b.items() if _number(v)}
        return all(abs(_number(a.get(k)) - _number(b.get(k))) < 0.01 for k in keys)
    return abs(_number(a) - _number(b)) < 0.01


async def _service_value(conn: asyncpg.Connection, sql: str) -> Any:
    rows = await conn.fetch(sql)
    if rows and len(rows[0]) == 2:
        return {str(r["k"]): r["n"] for r in rows}
    if not rows:
        return {} if " AS k" in sql else 0
    return rows[0][0]


def span(today: date | None = None) -> tuple[date, date]:
    """The period compared: the last three years up to tomorrow (reporting refuses longer spans)."""
    today = today or datetime.now(SHANGHAI).date()
    return today - timedelta(days=3 * 365), today + timedelta(days=1)


async def reporting_figures(reporting: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    first, last = span()
    r = await reporting.get("/api/figures", headers=headers, params={"start": first.isoformat(),
                                                                     "end": last.isoformat()})
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    figures: dict[str, Any] = body.get("figures", body)
    return figures


async def reconcile(figures: dict[str, Any], dsns: dict[str, str]) -> list[Difference]:
    """Every difference between reporting's `figures` and the services' databases (read only)."""
    out: list[Difference] = []
    for service in ("petition", "safety", "volunteer"):
        conn = await asyncpg.connect(dsns[service])
        try:
            async with conn.transaction(readonly=True, isolation="repeatable_read"):
                for key, field, svc, sql in CHECKS:
                    if svc != service:
                        continue
                    theirs = await _service_value(conn, sql)
                    ours = (figures.get(key) or {}).get(field)
                    if not _same(ours, theirs):
                        out.append(Difference(key, field, service, ours, theirs))
        finally:
            await conn.close()
    return out


async def check(reporting: httpx.AsyncClient, headers: dict[str, str], dsns: dict[str, str]) -> list[Difference]:
    return await reconcile(await reporting_figures(reporting, headers), dsns)


async def settle(reporting: httpx.AsyncClient, headers: dict[str, str], dsns: dict[str, str], *,
                 timeout: float = 60.0, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 ) -> list[Difference]:
    """`check` until it finds nothing or `timeout` passes (events still on their way are not differences)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await check(reporting, headers, dsns)
        if not found or asyncio.get_running_loop().time() >= deadline:
            return found
        await sleep(1.0)


# ----- command line ------------------------------------------------------------------------------------
def add_arguments(p: Any) -> None:
    p.add_argument("--reporting-url", default="http://127.0.0.1:8104")
    p.add_argument("--settle", type=float, default=30.0,
                   help="seconds to keep re-checking while events are still on their way (default 30)")
    for service in ("petition", "safety", "volunteer"):
        p.add_argument(f"--{service}-dsn", default=None,
                       help=f"the {service} database (default: the local stack's minqing_{service})")


def main_check(args: Any, out: Callable[[str], None]) -> int:
    from devstack.settings import DevstackSettings
    from minqing_kit.settings import ServiceSettings
    from simulator.live import local_signer

    local = DevstackSettings()
    dsns = {s: getattr(args, f"{s}_dsn") or local.pg_dsn(f"minqing_{s}") for s in ("petition", "safety", "volunteer")}
    settings = ServiceSettings()
    token = local_signer().mint("reconciliation", "read_only", settings.county_code)

    async def run() -> list[Difference]:
        async with httpx.AsyncClient(base_url=args.reporting_url, timeout=30) as client:
            return await settle(client, {"Authorization": f"Bearer {token}"}, dsns, timeout=args.settle)

    found = asyncio.run(run())
    out(f"reconciliation: {len(CHECKS)} county figures in reporting ({args.reporting_url}) against the "
        f"services' databases (read only): {len(found)} difference(s)")
    for d in found:
        out(f"  {d}")
    return 1 if found else 0
