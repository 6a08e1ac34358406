"""Demo accounts, one per role in the demo county: `python -m services.identity.entrypoints.seed plan FILE`.

`plan` writes (once; kept afterwards) a JSON file with the demo accounts and one random initial
password, and prints them; `./scripts/platform` runs it before the platform starts, and the identity
API, given `MINQING_DEMO_ACCOUNTS_FILE`, creates the accounts that do not exist yet at start-up.
Demo only: production refuses that setting, so a real county never gets these accounts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from minqing_contract.divisions import load_county
from minqing_kit.auth import ROLE_LABELS, Role
from minqing_kit.bus import MessageBus
from minqing_kit.errors import Conflict
from services.identity.adapters.unit_of_work import IdentityUnitOfWork
from services.identity.domain.passwords import temporary_password
from services.identity.service_layer.commands import SYSTEM, CreateAccount


def demo_plan(password: str) -> list[dict[str, str | bool | None]]:
    county = load_county()
    township = county.townships[0]
    department = county.departments[0]
    accounts: list[dict[str, str | bool | None]] = [
        {"username": "demo.admin", "display_name": "演示·县级管理员", "role": "county_admin", "township": county.code},
        {"username": "demo.supervisor", "display_name": "演示·县级督查", "role": "county_supervisor",
         "township": county.code},
        # A volunteer team's member: tokens carry no team claim, so a team works under its township's
        # operator role (the volunteer service scopes 接单/结单 by role and township) and picks its team
        # on the phone view (/m/#/team). Listed before demo.operator, the township's own desk account.
        {"username": "demo.team", "display_name": f"演示·{township.name}志愿服务队", "role": "township_operator",
         "township": township.code},
        {"username": "demo.operator", "display_name": f"演示·{township.name}操作员", "role": "township_operator",
         "township": township.code},
        {"username": "demo.township.admin", "display_name": f"演示·{township.name}账号管理员",
         "role": "township_operator", "township": township.code, "manages_accounts": True},
        {"username": "demo.handler", "display_name": f"演示·{department.name}承办人", "role": "department_handler",
         "township": county.code, "department": department.code},
        {"username": "demo.viewer", "display_name": "演示·只读", "role": "read_only", "township": county.code},
    ]
    return [{**a, "password": password} for a in accounts]


def write_plan(path: Path) -> list[dict[str, str | bool | None]]:
    """The plan in `path`, made on the first call (one random password for every demo account)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(demo_plan(temporary_password(12)), fh, ensure_ascii=False, indent=2)
    plan: list[dict[str, str | bool | None]] = json.loads(path.read_text(encoding="utf-8"))
    return plan


def load_demo_accounts(path: Path) -> list[CreateAccount]:
    """Demo accounts skip the forced first change, so a visitor can try the platform at once."""
    return [CreateAccount(username=str(a["username"]), display_name=str(a["display_name"]), role=Role(str(a["role"])),
                       township=str(a["township"]), department=str(a["department"]) if a.get("department") else None,
                       manages_accounts=bool(a.get("manages_accounts")), initial_password=str(a["password"]),
                       must_change_password=False)
            for a in json.loads(path.read_text(encoding="utf-8"))]


async def seed_accounts(bus: MessageBus[IdentityUnitOfWork], accounts: list[CreateAccount]) -> list[str]:
    """Create the accounts that do not exist yet (demo seed); returns the usernames created."""
    created = []
    for cmd in accounts:
        try:
            await bus.handle(cmd, SYSTEM)
            created.append(cmd.username)
        except Conflict:
            continue
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.identity.entrypoints.seed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["plan"])
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    plan = write_plan(args.file)
    out = ["[platform] Demo accounts (demo only; sign in to the workbench at http://127.0.0.1:8100/workbench/ "
           "— API clients: POST /identity/auth/login):"]
    for a in plan:
        scope = a.get("department") or a["township"]
        extra = "，乡镇账号管理员" if a.get("manages_accounts") else ""
        out.append(f"  {a['username']:22} {ROLE_LABELS[Role(str(a['role']))]}{extra} ({a['role']}, {scope})")
    out.append(f"  initial password (all of them): {plan[0]['password']}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
