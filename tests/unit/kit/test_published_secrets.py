"""Production refuses every secret value published in the repository (issue 12, finding 7).

Before: deploy/env.example's values passed the production check, so a compose deployment that fell
back to that file ran with a JWT secret anyone could read (and mint county_admin with). Now
`minqing_kit.settings.PUBLISHED_SECRETS` lists every such value and production refuses them; this test
reads the repository's files and fails when one publishes a value that is not in the list.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from minqing_kit import settings as kit_settings
from minqing_kit.auth import TokenSigner
from minqing_kit.settings import PUBLISHED_SECRETS, ServiceSettings

REPO = Path(__file__).resolve().parents[3]
SECRET_NAME = r"[A-Z_]*(?:SECRET|_KEY|PASSWORD)[A-Z_]*"
# KEY=value (env files, docs), KEY: value (YAML), KEY = "value" (Python).
ASSIGNMENT = re.compile(rf"\b({SECRET_NAME})\s*(?:=|:)\s*[\"']?([^\"'\s#,)]+)")
# A value computed at run time (a reference, or a call such as `temporary_password()`) is not published.
REFERENCE = re.compile(r"^(0x|\$|<|…|\.\.\.|\{|\[|os\.|settings|secrets\.|self|None|str|bytes|Secret|values?\[|env\[)"
                       r"|^[A-Za-z_][\w.]*\($")


def published_values() -> dict[str, str]:
    """value → file, for every secret-like assignment in deploy/, docs, README, tests, devstack, simulator."""
    files = [REPO / "README.md", *(REPO / "docs").rglob("*.md"), *(REPO / "deploy").rglob("*"),
             *(REPO / "tests").rglob("*.py"), *(REPO / "devstack").rglob("*.py"), *(REPO / "simulator").rglob("*.py"),
             *(REPO / "minqing_kit").rglob("*.py")]
    # The list itself lives in settings.py: count only its development defaults from there.
    found = {v: "minqing_kit/settings.py" for v in (kit_settings.DEV_PSEUDONYM_KEY, kit_settings.DEV_PII_KEY)}
    for path in files:
        if not path.is_file() or path.suffix in (".json", ".png", ".xml", ".properties") \
                or path in (Path(__file__), REPO / "minqing_kit" / "settings.py"):
            continue
        for match in ASSIGNMENT.finditer(path.read_text(encoding="utf-8", errors="replace")):
            value = match.group(2)
            if len(value) < 8 or REFERENCE.match(value) or (value.isidentifier() and value.islower()):
                continue
            found.setdefault(value, str(path.relative_to(REPO)))
    return found


def test_every_published_secret_is_refused_and_the_list_matches_the_files() -> None:
    found = published_values()
    missing = {v: f for v, f in found.items() if v not in PUBLISHED_SECRETS}
    assert not missing, f"add these published values to minqing_kit.settings.PUBLISHED_SECRETS: {missing}"
    stale = PUBLISHED_SECRETS - set(found)
    assert not stale, f"no file publishes these any more; drop them from PUBLISHED_SECRETS: {stale}"
    for key in ("MINQING_PSEUDONYM_KEY", "MINQING_PII_KEY", "PGPASSWORD"):
        assert found.get(_example()[key]) == "deploy/env.example", key


def _generated() -> dict[str, str]:
    """Real secrets, made the way deploy/env.example says (never written anywhere)."""
    return {"MINQING_JWT_PUBLIC_KEYS": json.dumps(TokenSigner.generate().key_set().jwks()),
            "MINQING_PSEUDONYM_KEY": secrets.token_urlsafe(48),
            "MINQING_PII_KEY": Fernet.generate_key().decode(),
            "MINQING_KAFKA_USERNAME": "petition", "MINQING_KAFKA_PASSWORD_PETITION": secrets.token_urlsafe(32)}


def _example() -> dict[str, str]:
    lines = (REPO / "deploy/env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


@pytest.mark.parametrize("name", ["MINQING_PSEUDONYM_KEY", "MINQING_PII_KEY", "MINQING_KAFKA_PASSWORD_PETITION"])
def test_production_start_up_refuses_each_value_of_env_example(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    real = _generated()
    for key, value in {**real, name: _example()[name], "MINQING_ENV": "production"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(ValidationError, match=f"{name}.*published in the repository"):
        ServiceSettings()
    monkeypatch.setenv(name, real[name])
    assert ServiceSettings().env == "production"


def test_production_refuses_the_example_database_password_and_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINQING_ENV", "production")
    for key, value in _generated().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PGPASSWORD", _example()["PGPASSWORD"])
    with pytest.raises(ValidationError, match="PGPASSWORD"):
        ServiceSettings()
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("MINQING_DATABASE_URL", f"postgresql://minqing:{_example()['PGPASSWORD']}@db:5432/petition")
    with pytest.raises(ValidationError, match="MINQING_DATABASE_URL"):
        ServiceSettings()
    monkeypatch.setenv("MINQING_DATABASE_URL", "postgresql://db:5432/petition")
    monkeypatch.setenv("MINQING_PSEUDONYM_KEY", "please-change-me-before-going-live-0123456789")
    with pytest.raises(ValidationError, match="MINQING_PSEUDONYM_KEY"):
        ServiceSettings()
