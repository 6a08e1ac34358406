"""devstack gives every service the public JWKS and only identity the private key (no service can mint)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devstack.services import SERVICES, service_environment
from devstack.settings import DevstackSettings
from minqing_kit.auth import Role, TokenSigner, TokenVerifier


def test_only_identity_gets_the_private_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINQING_JWT_PRIVATE_KEY_FILE", "/somewhere/exported.pem")  # even if the shell exports it
    settings = DevstackSettings(home=tmp_path)
    envs = {name: service_environment(settings, name, "api") for name in SERVICES}
    assert set(SERVICES) >= {"petition", "safety", "volunteer", "reporting", "identity"}
    jwks = {env["MINQING_JWT_PUBLIC_KEYS"] for env in envs.values()}
    assert len(jwks) == 1
    document = json.loads(Path(jwks.pop()).read_text())
    assert document["keys"] and all("d" not in key for key in document["keys"])
    for name, env in envs.items():
        assert ("MINQING_JWT_PRIVATE_KEY_FILE" in env) is (name == "identity"), name
    private = Path(envs["identity"]["MINQING_JWT_PRIVATE_KEY_FILE"])
    assert private.stat().st_mode & 0o077 == 0  # readable by its owner only
    token = TokenSigner.from_file(private).mint("x", Role.READ_ONLY, "990102000000")
    assert TokenVerifier.from_setting(envs["petition"]["MINQING_JWT_PUBLIC_KEYS"]).verify(token).subject == "x"
    # made once: a second start keeps the same pair
    assert service_environment(settings, "identity", "api")["MINQING_JWT_PUBLIC_KEYS"] == \
        envs["petition"]["MINQING_JWT_PUBLIC_KEYS"]
    assert TokenSigner.from_file(private).kid == document["keys"][0]["kid"]
