"""Signed bearer tokens (JWT, EdDSA/Ed25519) carrying a role and a township scope, and a CLI for operators.

Roles:
  county_admin        县级管理员   — every township, may see personal data, administers everything
  county_supervisor   县级督查     — every township, read + supervision (督办), no personal data
  township_operator   乡镇操作员   — one township (its villages), registers and handles, sees personal data
  department_handler  部门承办人   — matters assigned to its department, no personal data
  read_only           只读         — dashboards and lists in its scope (a township or the county)

A token: {"sub", "role", "township" (12-digit code; the county code for county-wide roles),
"department" (department handlers), "iss", "iat", "exp"}, signed with EdDSA (Ed25519) and naming its
key in the header (`kid`, the RFC 7638 thumbprint of the public key).

Asymmetric on purpose: only the identity service (and an operator holding its private key file, with
`python -m minqing_kit.auth mint`) can sign; every other service holds public keys only
(`MINQING_JWT_PUBLIC_KEYS`: a JWKS document, inline JSON or a file path), so no service can mint.
Rotation: several public keys are accepted, one private key signs (docs/identity.md).
Verification failures are `Unauthorized` (HTTP 401); scope failures are `minqing_kit.errors.Forbidden` (HTTP 403).
"""

from __future__ import annotations

import argparse
import base64
import enum
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

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
ALGORITHM = "EdDSA"


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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The JWK of an Ed25519 public key; its `kid` is the RFC 7638 thumbprint (stable, derived)."""
    x = _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    required = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    kid = _b64(hashlib.sha256(required.encode()).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": ALGORITHM, "use": "sig"}


class KeySet:
    """The public keys a service accepts, by `kid` (a JWKS document's Ed25519 keys)."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey] | None = None) -> None:
        self._keys = dict(keys or {})

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def get(self, kid: str) -> Ed25519PublicKey | None:
        return self._keys.get(kid)

    @property
    def kids(self) -> list[str]:
        return list(self._keys)

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> KeySet:
        keys: dict[str, Ed25519PublicKey] = {}
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise ValueError("a JWKS document needs a list 'keys'")
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
                raise ValueError("only Ed25519 keys (kty OKP, crv Ed25519) are accepted")
            if "d" in entry:
                raise ValueError("a JWKS given to services must hold public keys only (found a private 'd')")
            key = Ed25519PublicKey.from_public_bytes(_unb64(str(entry["x"])))
            keys[str(entry.get("kid") or public_jwk(key)["kid"])] = key
        return cls(keys)

    @classmethod
    def from_setting(cls, value: str) -> KeySet:
        """`MINQING_JWT_PUBLIC_KEYS`: inline JWKS JSON (starts with `{`), a path to a JWKS file, or empty."""
        value = value.strip()
        if not value:
            return cls()
        text = value if value.startswith("{") else Path(value).read_text(encoding="utf-8")
        return cls.from_jwks(json.loads(text))

    def merged(self, other: KeySet) -> KeySet:
        return KeySet({**other._keys, **self._keys})

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [{**public_jwk(key), "kid": kid} for kid, key in self._keys.items()]}


class TokenSigner:
    """Mints tokens with one Ed25519 private key (the identity service, or an operator's CLI)."""

    def __init__(self, private_key: Ed25519PrivateKey, issuer: str = "minqing",
                 ttl: timedelta = timedelta(hours=12)) -> None:
        self._key = private_key
        self.issuer = issuer
        self.ttl = ttl
        self.public_jwk = public_jwk(private_key.public_key())
        self.kid = self.public_jwk["kid"]

    @classmethod
    def generate(cls, issuer: str = "minqing", ttl: timedelta = timedelta(hours=12)) -> TokenSigner:
        return cls(Ed25519PrivateKey.generate(), issuer, ttl)

    @classmethod
    def from_pem(cls, pem: bytes, issuer: str = "minqing", ttl: timedelta = timedelta(hours=12)) -> TokenSigner:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be an Ed25519 private key (PEM, PKCS#8)")
        return cls(key, issuer, ttl)

    @classmethod
    def from_file(cls, path: str | Path, issuer: str = "minqing",
                  ttl: timedelta = timedelta(hours=12)) -> TokenSigner:
        return cls.from_pem(Path(path).read_bytes(), issuer, ttl)

    def for_issuer(self, issuer: str) -> TokenSigner:
        """The same key minting for another issuer (the identity service's password-change-only tokens,
        which services refuse because they check `iss`)."""
        return TokenSigner(self._key, issuer, self.ttl)

    def private_pem(self) -> bytes:
        return self._key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())

    def key_set(self) -> KeySet:
        return KeySet({self.kid: self._key.public_key()})

    def verifier(self, extra: KeySet | None = None) -> TokenVerifier:
        keys = self.key_set() if extra is None else self.key_set().merged(extra)
        return TokenVerifier(keys, self.issuer)

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
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})


class TokenVerifier:
    """Checks a token against public keys only: EdDSA, a known `kid`, the issuer, not expired."""

    #: Tokens verified lately (a client sends the same one with every call until it expires): the
    #: signature check and claim parsing cost about 0.1 ms of CPU per request otherwise. Bounded; emptied
    #: when full. Only accepted tokens are kept, each until its `exp`, under this verifier's fixed keys.
    CACHE_SIZE = 4096

    def __init__(self, keys: KeySet, issuer: str = "minqing") -> None:
        self.keys = keys
        self.issuer = issuer
        self._verified: dict[str, tuple[float, Principal]] = {}

    @classmethod
    def from_setting(cls, value: str, issuer: str = "minqing") -> TokenVerifier:
        return cls(KeySet.from_setting(value), issuer)

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            if time.time() < known[0]:  # PyJWT's rule: expired once now >= exp
                return known[1]
            del self._verified[token]
        principal, expires = self._verify(token)
        if len(self._verified) >= self.CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (expires, principal)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"登录凭证无效 (invalid token: {exc})") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthorized(f"登录凭证的签名算法不被接受 (invalid token: algorithm {header.get('alg')!r} "
                               f"is not accepted; only {ALGORITHM})")
        key = self.keys.get(str(header.get("kid", "")))
        if key is None:
            raise Unauthorized("登录凭证的签名密钥未知 (invalid token: unknown signing key id)")
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=self.issuer,
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
                         department=claims.get("department")), float(claims["exp"])


def write_keypair(directory: Path, signer: TokenSigner | None = None, *,
                  also_accept: Iterable[KeySet] = ()) -> tuple[Path, Path]:
    """Write `jwt-signing.pem` (private, mode 0600: the identity service only) and `jwks.json` (public:
    every service) into `directory`; returns their paths. `also_accept`: previous keys kept during a rotation."""
    signer = signer or TokenSigner.generate()
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / "jwt-signing.pem", directory / "jwks.json"
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(signer.private_pem())
    keys = signer.key_set()
    for extra in also_accept:
        keys = keys.merged(extra)
    public.write_text(json.dumps(keys.jwks(), indent=2) + "\n", encoding="utf-8")
    return private, public


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minqing_kit.auth",
                                     description="Mint a Minqing bearer token, or make a signing key pair.")
    sub = parser.add_subparsers(dest="command", required=True)
    mint = sub.add_parser("mint", help="print a signed token (needs the identity service's private key file)")
    mint.add_argument("--key", default=os.environ.get("MINQING_JWT_PRIVATE_KEY_FILE"),
                      help="Ed25519 private key (PEM); default $MINQING_JWT_PRIVATE_KEY_FILE")
    mint.add_argument("--sub", required=True, help="who (an operator's account id)")
    mint.add_argument("--role", required=True, choices=[r.value for r in Role])
    mint.add_argument("--township", help="12-digit scope code; required for township_operator "
                                         "(default for the other roles: the county code)")
    mint.add_argument("--department", help="department code, for department_handler")
    mint.add_argument("--hours", type=float, default=12.0, help="validity in hours")
    keygen = sub.add_parser("keygen", help="write a new key pair: jwt-signing.pem (private) and jwks.json (public)")
    keygen.add_argument("--out", required=True, type=Path, help="directory to write into")
    keygen.add_argument("--keep", action="append", default=[], metavar="JWKS",
                        help="a JWKS (file or JSON) whose keys stay accepted (rotation); repeatable")
    args = parser.parse_args(argv)
    if args.command == "keygen":
        private, public = write_keypair(args.out, also_accept=[KeySet.from_setting(k) for k in args.keep])
        print(f"private key (identity service only): {private}\npublic keys (every service): {public}")
        return 0
    if Role(args.role) in TOWNSHIP_ONLY and not args.township:
        # Before: the county code was filled in, giving a township role the whole county.
        print(f"error: --township is required for {args.role} (a township role never gets the county scope)",
              file=sys.stderr)
        return 2
    if not args.key:
        print("error: minting needs the identity service's private key: --key FILE or "
              "MINQING_JWT_PRIVATE_KEY_FILE (devstack: .devstack/keys/jwt-signing.pem)", file=sys.stderr)
        return 2
    from minqing_kit.settings import ServiceSettings

    settings = ServiceSettings()
    try:
        service = TokenSigner.from_file(args.key, settings.jwt_issuer)
        token = service.mint(args.sub, args.role, args.township or settings.county_code,
                             department=args.department, ttl=timedelta(hours=args.hours))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
