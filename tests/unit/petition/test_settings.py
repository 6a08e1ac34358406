"""The statutory periods are stated once, in the domain (`PetitionClocks`); settings only override them."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.petition.domain.clocks import PetitionClocks
from services.petition.settings import PetitionSettings

PERIODS = [f.name for f in fields(PetitionClocks) if f.name != "calendar"]


def test_settings_default_to_the_domains_periods() -> None:
    assert len(PERIODS) == 12
    domain, settings = PetitionClocks(), PetitionSettings().clocks()
    for name in PERIODS:
        assert getattr(settings, name) == getattr(domain, name), name


def test_an_environment_override_reaches_the_clocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINQING_REPLY_DAYS", "45")
    monkeypatch.setenv("MINQING_ROLL_OVER_REST_DAYS", "true")
    clocks = PetitionSettings().clocks()
    assert clocks.reply_days == 45 and clocks.roll_over_rest_days is True
    assert clocks.route_days == PetitionClocks().route_days
    monkeypatch.setenv("MINQING_REPLY_DAYS", "0")
    with pytest.raises(ValidationError):
        PetitionSettings()


def test_settings_repeat_no_period_number() -> None:
    """No clock field of the settings module carries a literal number: each refers to the domain's."""
    source = Path(__file__).resolve().parents[3] / "services" / "petition" / "settings.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PetitionSettings")
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id in PERIODS:
            assert stmt.value is not None
            numbers = [n.value for n in ast.walk(stmt.value) if isinstance(n, ast.Constant)
                       and type(n.value) in (int, bool) and n.value != 1]  # 1: the `ge=1` bound
            assert not numbers, f"{stmt.target.id} repeats {numbers} (the domain's PetitionClocks states it)"
