"""Settings refuse development secrets in production; PII encryption and pseudonyms behave."""

from __future__ import annotations

import json
import re

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from minqing_contract.divisions import load_county, parse_county
from minqing_kit.auth import TokenSigner
from minqing_kit.crypto import PiiCipher, mask_id_number, mask_name, mask_phone
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.settings import ServiceSettings


def test_production_refuses_default_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINQING_ENV", "production")
    with pytest.raises(ValidationError, match="MINQING_PSEUDONYM_KEY"):
        ServiceSettings()
    monkeypatch.setenv("MINQING_PSEUDONYM_KEY", "y" * 40)
    monkeypatch.setenv("MINQING_PII_KEY", Fernet.generate_key().decode())
    with pytest.raises(ValidationError, match="MINQING_JWT_PUBLIC_KEYS"):
        ServiceSettings()
    monkeypatch.setenv("MINQING_JWT_PUBLIC_KEYS", json.dumps(TokenSigner.generate().key_set().jwks()))
    assert ServiceSettings().env == "production"
    monkeypatch.setenv("MINQING_PSEUDONYM_KEY", "short")
    with pytest.raises(ValidationError, match="at least 32"):
        ServiceSettings()


def test_development_accepts_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINQING_ENV", raising=False)
    assert ServiceSettings().env == "development"


def test_pii_round_trip_rotation_and_no_plaintext() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = PiiCipher(old).encrypt("13812345678")
    assert token is not None and "13812345678" not in token
    rotated = PiiCipher.from_setting(f"{new},{old}")
    assert rotated.decrypt(token) == "13812345678"
    with pytest.raises(ValueError, match="decrypted"):
        PiiCipher(new).decrypt(token)
    assert PiiCipher(old).encrypt(None) is None


def test_masks() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_pseudonyms_are_stable_keyed_and_shaped() -> None:
    p = Pseudonymizer("k" * 32)
    a = p("11010519491231002x")
    assert a == p(" 11010519491231002X ")  # normalised
    assert re.fullmatch(r"p_[a-z2-7]{26}", a)
    assert a != Pseudonymizer("j" * 32)("11010519491231002X")
    assert a != p("11010519491231002X", namespace="volunteer")
    with pytest.raises(ValueError):
        Pseudonymizer("short")


def test_demo_county_tree() -> None:
    county = load_county()
    assert county.fictional and county.name == "民和县" and county.code == "990102000000"
    zz = county.township("990102101000")
    assert zz is not None and zz.name == "忠庄镇"
    names = {v.name for v in zz.villages}
    assert {"勤乐村", "幸福村"} <= names
    village = next(v for v in zz.villages if v.name == "勤乐村")
    assert county.township_of(village.code) == zz
    assert county.name_of(village.code) == "勤乐村"
    assert {"长征镇", "金山镇"} <= {t.name for t in county.townships}
    assert all(len(v.code) == 12 and v.code.isdigit() for v in county.villages)


def test_county_file_with_a_foreign_village_is_refused() -> None:
    data = {"county": {"code": "990102000000", "name": "x"},
            "townships": [{"code": "990102101000", "name": "t", "villages": [{"code": "990102102201", "name": "v"}]}]}
    with pytest.raises(ValueError, match="not a village code"):
        parse_county(data)
