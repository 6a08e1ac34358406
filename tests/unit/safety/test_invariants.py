"""A state the rules never produce raises `BrokenInvariant` (not an `assert`, which `python -O` strips)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

import pytest

from minqing_kit.errors import BrokenInvariant, DomainError
from services.safety.domain.enums import SuspensionReason

from .factories import OP, at, enterprise


@dataclass(frozen=True)
class _Reinspection:
    id: UUID
    enterprise_id: UUID
    inspected_at: datetime
    passed: bool = True


def test_suspended_enterprise_without_suspension_time_is_a_broken_invariant() -> None:
    ent = enterprise()
    ent.suspend(SuspensionReason.township_order, actor=OP, now=at(1))
    ent.suspended_at = None  # as a row changed behind the domain's back would load
    with pytest.raises(BrokenInvariant) as caught:
        ent.resume(_Reinspection(ent.id, ent.id, at(2)), actor=OP, now=at(3))
    assert not isinstance(caught.value, DomainError)  # a 500 and a log line, not the caller's 4xx
    assert (caught.value.field, caught.value.rule) == ("suspended_at", "set_while_suspended")
    assert "企业" in str(caught.value) and "inconsistent" in str(caught.value)


def test_the_invariant_holds_under_python_O() -> None:
    """The same check in a child interpreter run with -O: an assert would have vanished there."""
    code = (
        "from tests.unit.safety.test_invariants import test_suspended_enterprise_without_suspension_time_is_a_broken_invariant as t; "
        "t(); print('ok')"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-O", "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
