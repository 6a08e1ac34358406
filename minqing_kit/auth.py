"""Signed bearer tokens (JWT, HS256) carrying a role and a township scope, and a CLI to mint them.

Roles:
  county_admin        县级管理员   — every township, may see personal data, administers everything
  county_supervisor   县级督查     — every township, read + supervision (督办), no personal data
  township_operator   乡镇操作员   — one township (its villages), registers and handles, sees personal data
  department_handler  部门承办人   — matters assigned to its department, no personal data
  read_only           只读         — dashboards and lists in its scope (a township or the county)

A token: {"sub", "role", "township" (12-digit code; the county code for county-wide roles),
"department" (department handlers), "iss", "iat", "exp"}. Verification failures are `Unauthorized`
(HTTP 401); scope failures are `minqing_kit.errors.Forbidden` (HTTP 403).
"""

from __future__ import annotations

import argparse
import enum
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from minqing_kit.errors import Forbidden


class Role(enum.StrEnum):
    COUNTY_ADMIN = "county_admin"
    COUNTY_SUPERVISOR = "county_supervisor"
    TOWNSHIP_OPERATOR = "township_operator"
    DEPARTMENT_HANDLER = "department_handler"
    READ_ONLY = "read_only"


ROLE_LABELS = {
    Role.COUNTY_ADMIN: "县级管理员",
    Role.COUNTY_SUPERVISOR: "县级督查",
    Role.TOWNSHIP_OPERATOR: "乡镇操作员",
    Role.DEPARTMENT_HANDLER: "部门承办人",
    Role.READ_ONLY: "只读",
}
COUNTY_WIDE = frozenset({Role.COUNTY_ADMIN, Role.COUNTY_SUPERVISOR})
#: Roles that only ever act for one township: never minted with the county scope.
TOWNSHIP_ONLY = frozenset({Role.TOWNSHIP_OPERATOR})
SEES_PERSONAL_DATA = frozenset({Role.COUNTY_ADMIN, Role.TOWNSHIP_OPERATOR})
ALGORITHM = "HS256"


class Unauthorized(Exception):
    """No token, a bad signature, an expired or malformed token."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    township: str
    """12-digit scope code: a township (乡镇/街道) or, for county-wide scope, the county code."""
    department: str | None = None

    @property
    def county_wide(self) -> bool:
        return self.township.endswith("000000")

    @property
    def sees_personal_data(self) -> bool:
        return self.role in SEES_PERSONAL_DATA

    def covers(self, division_code: str) -> bool:
        """True when `division_code` (a township or village code) lies inside this principal's scope."""
        if self.county_wide:
            return division_code[:6] == self.township[:6]
        return division_code[:9] == self.township[:9]

    def list_scope(self, township: str | None) -> str | None:
        """The township a listing is limited to: `township` when one is asked for (it must be in scope),
        else the principal's own; None (the whole county) for a county-wide principal asking for none."""
        if township is not None:
            self.ensure_covers(township)
            return township
        return None if self.county_wide else self.township

    def ensure_covers(self, division_code: str) -> None:
        if not self.covers(division_code):
            raise Forbidden(f"无权访问该乡镇的数据 (division {division_code} is outside your scope {self.township})",
                            field="township", rule="scope")

    def ensure_role(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = "、".join(ROLE_LABELS[r] for r in roles)
            raise Forbidden(f"当前角色（{ROLE_LABELS[self.role]}）无此权限，需要：{allowed} "
                            f"(role {self.role} may not do this; needs one of {', '.join(roles)})",
                            field="role", rule="role")


class TokenService:
    def __init__(self, secret: str, issuer: str = "minqing", ttl: timedelta = timedelta(hours=12)) -> None:
        self._secret = secret
        self.issuer = issuer
        self.ttl = ttl

    def mint(self, subject: str, role: Role | str, township: str, *, department: str | None = None,
             now: datetime | None = None, ttl: timedelta | None = None) -> str:
        role = Role(role)
        if len(township) != 12 or not township.isdigit():
            raise ValueError("township must be a 12-digit division code")
        if role in COUNTY_WIDE and not township.endswith("000000"):
            raise ValueError(f"{role} is county-wide: give the county code")
        if role in TOWNSHIP_ONLY and township.endswith("000000"):
            raise ValueError(f"{role} acts for one township: give its 12-digit township code, not the county's")
        if role is Role.DEPARTMENT_HANDLER and not department:
            raise ValueError("department_handler tokens need a department")
        issued = now or datetime.now(UTC)
        claims = {"sub": subject, "role": role.value, "township": township, "iss": self.issuer,
                  "iat": int(issued.timestamp()), "exp": int((issued + (ttl or self.ttl)).timestamp())}
        if department:
            claims["department"] = department
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], issuer=self.issuer,
                                options={"require": ["sub", "exp", "iat", "iss"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("登录凭证已过期 (token expired)") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"登录凭证无效 (invalid token: {exc})") from None
        try:
            role = Role(claims["role"])
            township = str(claims["township"])
        except (KeyError, ValueError):
            raise Unauthorized("登录凭证缺少角色或辖区 (token lacks a valid role or township)") from None
        if len(township) != 12 or not township.isdigit():
            raise Unauthorized("登录凭证的辖区代码无效 (token township is not a 12-digit code)")
        return Principal(subject=str(claims["sub"]), role=role, township=township,
                         department=claims.get("department"))


def main(argv: list[str] | None = None) -> int:
    from minqing_kit.settings import ServiceSettings

    parser = argparse.ArgumentParser(prog="python -m minqing_kit.auth", description="Mint a Minqing bearer token.")
    sub = parser.add_subparsers(dest="command", required=True)
    mint = sub.add_parser("mint", help="print a signed token")
    mint.add_argument("--sub", required=True, help="who (an operator's account id)")
    mint.add_argument("--role", required=True, choices=[r.value for r in Role])
    mint.add_argument("--township", help="12-digit scope code; required for township_operator "
                                         "(default for the other roles: the county code)")
    mint.add_argument("--department", help="department code, for department_handler")
    mint.add_argument("--hours", type=float, default=12.0, help="validity in hours")
    args = parser.parse_args(argv)
    if Role(args.role) in TOWNSHIP_ONLY and not args.township:
        # Before: the county code was filled in, giving a township role the whole county.
        print(f"error: --township is required for {args.role} (a township role never gets the county scope)",
              file=sys.stderr)
        return 2
    settings = ServiceSettings()
    service = TokenService(settings.jwt_secret.get_secret_value(), settings.jwt_issuer)
    try:
        token = service.mint(args.sub, args.role, args.township or settings.county_code,
                             department=args.department, ttl=timedelta(hours=args.hours))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
