"""Bearer tokens, roles and township scope through the real FastAPI stack (in-process ASGI, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi import Depends
from pydantic import BaseModel, Field

from minqing_kit.auth import Principal, Role, TokenSigner, write_keypair
from minqing_kit.errors import Conflict, Forbidden
from minqing_kit.http import CurrentPrincipal, create_app, require_roles

COUNTY = "990102000000"
ZHONGZHUANG = "990102101000"
QINLE = "990102101201"
CHANGZHENG_VILLAGE = "990102102201"
tokens = TokenSigner.generate()  # a fresh key per run: nothing signed here is published
verifier = tokens.verifier()
#: The HMAC secret services held before EdDSA: a token signed with it must now be refused.
OLD_HMAC_SECRET = "dev-only-jwt-secret-change-me-0123456789"


def _signed_by_our_key(claims: dict[str, object]) -> str:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return jwt.encode(claims, load_pem_private_key(tokens.private_pem(), None), algorithm="EdDSA",  # type: ignore[arg-type]
                      headers={"kid": tokens.kid})


class Body(BaseModel):
    representatives: list[str] = Field(max_length=5)
    headcount: int = Field(ge=1)


def make_app():
    app = create_app(service="unit", title="unit", tokens=verifier)

    @app.get("/villages/{code}")
    async def village(code: str, principal: CurrentPrincipal) -> dict[str, str]:
        principal.ensure_covers(code)
        return {"code": code, "who": principal.subject}

    @app.post("/supervise", dependencies=[Depends(require_roles(Role.COUNTY_SUPERVISOR, Role.COUNTY_ADMIN))])
    async def supervise() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/visits")
    async def visits(body: Body) -> dict[str, int]:
        return {"n": len(body.representatives)}

    @app.post("/conflict")
    async def conflict() -> None:
        raise Conflict("已存在 (exists)", field="lookup_code", rule="unique")

    return app


@pytest.fixture
async def client():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app()), base_url="http://t") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_no_token_is_401_with_challenge(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/villages/{QINLE}")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "Bearer" in r.json()["error"]["message"]


@pytest.mark.parametrize("token", [
    "not-a-jwt",
    TokenSigner.generate().mint("x", Role.TOWNSHIP_OPERATOR, ZHONGZHUANG),
    tokens.mint("x", Role.TOWNSHIP_OPERATOR, ZHONGZHUANG, now=datetime.now(UTC) - timedelta(days=2)),
    _signed_by_our_key({"sub": "x", "role": "emperor", "township": ZHONGZHUANG, "iss": "minqing",
                        "iat": 0, "exp": 4102444800}),
    jwt.encode({"sub": "x", "role": "county_admin", "township": COUNTY, "iss": "minqing",
                "iat": 0, "exp": 4102444800}, OLD_HMAC_SECRET, algorithm="HS256"),
    jwt.encode({"sub": "x", "role": "county_admin", "township": COUNTY, "iss": "minqing",
                "iat": 0, "exp": 4102444800}, OLD_HMAC_SECRET, algorithm="HS256", headers={"kid": tokens.kid}),
    jwt.encode({"sub": "x", "role": "read_only", "township": ZHONGZHUANG, "iss": "minqing",
                "iat": 0, "exp": 4102444800}, None, algorithm="none"),
], ids=["garbage", "wrong-key", "expired", "unknown-role", "hs256-old-secret", "hs256-with-our-kid", "alg-none"])
async def test_bad_tokens_are_401(client: httpx.AsyncClient, token: str) -> None:
    r = await client.get(f"/villages/{QINLE}", headers=bearer(token))
    assert r.status_code == 401, r.text


async def test_township_operator_sees_own_villages_only(client: httpx.AsyncClient) -> None:
    token = tokens.mint("op-zz", Role.TOWNSHIP_OPERATOR, ZHONGZHUANG)
    ok = await client.get(f"/villages/{QINLE}", headers=bearer(token))
    assert ok.status_code == 200 and ok.json()["who"] == "op-zz"
    out = await client.get(f"/villages/{CHANGZHENG_VILLAGE}", headers=bearer(token))
    assert out.status_code == 403
    assert out.json()["error"] == {"code": "forbidden", "field": "township", "rule": "scope",
                                   "message": out.json()["error"]["message"]}


async def test_county_roles_cover_every_township_but_not_another_county(client: httpx.AsyncClient) -> None:
    token = tokens.mint("sup", Role.COUNTY_SUPERVISOR, COUNTY)
    assert (await client.get(f"/villages/{CHANGZHENG_VILLAGE}", headers=bearer(token))).status_code == 200
    assert (await client.get("/villages/990103101201", headers=bearer(token))).status_code == 403


async def test_role_check_is_403(client: httpx.AsyncClient) -> None:
    op = tokens.mint("op", Role.TOWNSHIP_OPERATOR, ZHONGZHUANG)
    r = await client.post("/supervise", headers=bearer(op))
    assert r.status_code == 403 and r.json()["error"]["rule"] == "role"
    sup = tokens.mint("sup", Role.COUNTY_SUPERVISOR, COUNTY)
    assert (await client.post("/supervise", headers=bearer(sup))).status_code == 200


async def test_validation_error_names_field_and_rule_in_chinese(client: httpx.AsyncClient) -> None:
    r = await client.post("/visits", json={"representatives": list("abcdef"), "headcount": 30})
    assert r.status_code == 422
    err = r.json()["error"]
    assert (err["field"], err["rule"]) == ("representatives", "too_long")
    assert "数量超过上限" in err["message"]
    r = await client.post("/visits", json={"representatives": []})
    assert r.json()["error"]["field"] == "headcount" and r.json()["error"]["rule"] == "missing"


async def test_domain_errors_keep_their_status_and_field(client: httpx.AsyncClient) -> None:
    r = await client.post("/conflict")
    assert r.status_code == 409
    assert r.json()["error"]["field"] == "lookup_code"


async def test_health_and_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    await client.get(f"/villages/{QINLE}")
    text = (await client.get("/metrics")).text
    assert 'minqing_http_requests_total{method="GET",route="/villages/{code}",service="unit",status="401"}' in text
    assert "minqing_http_request_duration_seconds_bucket" in text


def test_minting_refuses_inconsistent_scope() -> None:
    with pytest.raises(ValueError, match="county-wide"):
        tokens.mint("x", Role.COUNTY_ADMIN, ZHONGZHUANG)
    with pytest.raises(ValueError, match="department"):
        tokens.mint("x", Role.DEPARTMENT_HANDLER, COUNTY)
    with pytest.raises(ValueError, match="12-digit"):
        tokens.mint("x", Role.READ_ONLY, "9901")


def test_mint_cli_prints_a_token_the_service_accepts(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from minqing_kit.auth import main

    monkeypatch.setenv("MINQING_JWT_PRIVATE_KEY_FILE", str(write_keypair(tmp_path, tokens)[0]))
    assert main(["mint", "--sub", "op1", "--role", "township_operator", "--township", ZHONGZHUANG]) == 0
    principal = verifier.verify(capsys.readouterr().out.strip())
    assert (principal.subject, principal.role, principal.township) == ("op1", Role.TOWNSHIP_OPERATOR, ZHONGZHUANG)


def test_mint_refuses_a_township_role_without_its_township(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Before: `mint --role township_operator` without --township gave the county scope."""
    from minqing_kit.auth import main

    monkeypatch.setenv("MINQING_JWT_PRIVATE_KEY_FILE", str(write_keypair(tmp_path, tokens)[0]))
    assert main(["mint", "--sub", "op1", "--role", "township_operator"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "--township is required" in out.err
    assert main(["mint", "--sub", "op1", "--role", "township_operator", "--township", COUNTY]) == 2
    assert "not the county" in capsys.readouterr().err
    with pytest.raises(ValueError, match="one township"):
        tokens.mint("x", Role.TOWNSHIP_OPERATOR, COUNTY)
    assert main(["mint", "--sub", "lead", "--role", "county_supervisor"]) == 0  # county roles keep the default


def test_list_scope_limits_listings_to_the_principal_unless_county_wide() -> None:
    township = Principal("op", Role.TOWNSHIP_OPERATOR, "990102002000")
    county = Principal("lead", Role.COUNTY_SUPERVISOR, "990102000000")
    assert township.list_scope(None) == "990102002000"  # nothing asked: its own township
    assert township.list_scope("990102002000") == "990102002000"
    with pytest.raises(Forbidden):
        township.list_scope("990102003000")  # another township
    assert county.list_scope(None) is None  # the whole county
    assert county.list_scope("990102003000") == "990102003000"


# ----- browser sessions: the access cookie and the double-submit CSRF rule --------------------------------

def make_cookie_app():
    app = create_app(service="unit", title="unit", tokens=verifier)

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"who": principal.subject}

    @app.post("/act")
    async def act(principal: CurrentPrincipal) -> dict[str, str]:
        return {"who": principal.subject}
    return app


@pytest.fixture
async def cookie_client():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_cookie_app()), base_url="http://t") as c:
        yield c


async def test_access_cookie_authenticates_safe_methods_without_csrf(cookie_client: httpx.AsyncClient) -> None:
    token = tokens.mint("browser", Role.READ_ONLY, COUNTY)
    r = await cookie_client.get("/me", cookies={"mq_access": token})
    assert r.status_code == 200 and r.json() == {"who": "browser"}


@pytest.mark.parametrize("csrf_cookie,csrf_header", [(None, None), ("abc123", None), (None, "abc123"),
                                                     ("abc123", "abc124")],
                         ids=["neither", "cookie-only", "header-only", "mismatch"])
async def test_unsafe_method_with_cookie_needs_matching_csrf_header(
        cookie_client: httpx.AsyncClient, csrf_cookie: str | None, csrf_header: str | None) -> None:
    cookies = {"mq_access": tokens.mint("browser", Role.COUNTY_ADMIN, COUNTY)}
    if csrf_cookie:
        cookies["mq_csrf"] = csrf_cookie
    headers = {"X-CSRF-Token": csrf_header} if csrf_header else {}
    r = await cookie_client.post("/act", cookies=cookies, headers=headers)
    assert r.status_code == 403, r.text
    assert (r.json()["error"]["rule"], r.json()["error"]["field"]) == ("csrf", "X-CSRF-Token")
    cookies["mq_csrf"] = "abc123"
    ok = await cookie_client.post("/act", cookies=cookies, headers={"X-CSRF-Token": "abc123"})
    assert ok.status_code == 200 and ok.json() == {"who": "browser"}


async def test_bearer_needs_no_csrf_and_wins_over_the_cookie(cookie_client: httpx.AsyncClient) -> None:
    api = tokens.mint("api-client", Role.COUNTY_ADMIN, COUNTY)
    r = await cookie_client.post("/act", headers=bearer(api),
                                 cookies={"mq_access": tokens.mint("browser", Role.COUNTY_ADMIN, COUNTY)})
    assert r.status_code == 200 and r.json() == {"who": "api-client"}


async def test_bad_or_expired_cookie_is_401_before_csrf(cookie_client: httpx.AsyncClient) -> None:
    expired = tokens.mint("b", Role.READ_ONLY, COUNTY, now=datetime.now(UTC) - timedelta(days=2))
    for token in (expired, TokenSigner.generate().mint("b", Role.COUNTY_ADMIN, COUNTY)):
        assert (await cookie_client.post("/act", cookies={"mq_access": token})).status_code == 401
        assert (await cookie_client.get("/me", cookies={"mq_access": token})).status_code == 401


def test_mint_needs_the_private_key(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from minqing_kit.auth import main

    monkeypatch.delenv("MINQING_JWT_PRIVATE_KEY_FILE", raising=False)
    assert main(["mint", "--sub", "op1", "--role", "read_only"]) == 2
    assert "private key" in capsys.readouterr().err


def test_services_accept_several_public_keys_and_refuse_private_ones(tmp_path: Path) -> None:
    """Rotation: the JWKS holds the old and the new public key; one private key signs."""
    import json

    from minqing_kit.auth import KeySet, TokenVerifier

    old, new = TokenSigner.generate(), TokenSigner.generate()
    _, jwks_file = write_keypair(tmp_path, new, also_accept=[old.key_set()])
    both = TokenVerifier.from_setting(str(jwks_file))
    assert sorted(both.keys.kids) == sorted([old.kid, new.kid])
    for signer in (old, new):
        assert both.verify(signer.mint("x", Role.READ_ONLY, COUNTY)).subject == "x"
    inline = TokenVerifier.from_setting(jwks_file.read_text())
    assert inline.verify(new.mint("y", Role.READ_ONLY, COUNTY)).subject == "y"
    private = json.loads(jwks_file.read_text())
    private["keys"][0]["d"] = "secret"
    with pytest.raises(ValueError, match="public keys only"):
        KeySet.from_jwks(private)


def test_a_verified_token_is_checked_once_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    signer = TokenSigner.generate()
    verifier = signer.verifier()
    token = signer.mint("u-cache", Role.COUNTY_ADMIN, "990102000000")
    checked: list[str] = []
    real = verifier._verify

    def counting(t: str) -> tuple[Principal, float]:
        checked.append(t)
        return real(t)

    monkeypatch.setattr(verifier, "_verify", counting)
    first = verifier.verify(token)
    assert verifier.verify(token) == first and first.subject == "u-cache"
    assert len(checked) == 1  # the second call came from the cache
    expires, principal = verifier._verified[token]
    assert expires == jwt.decode(token, options={"verify_signature": False})["exp"]
    verifier._verified[token] = (time.time() - 1, principal)  # its exp has passed: checked again
    verifier.verify(token)
    assert len(checked) == 2
    with pytest.raises(Exception, match="expired"):  # an expired token is refused, never cached
        verifier.verify(signer.mint("u-old", Role.COUNTY_ADMIN, "990102000000", ttl=timedelta(seconds=-5)))
    assert list(verifier._verified) == [token]
