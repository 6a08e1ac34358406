"""`devstack wipe` starts the demo afresh: the history marker goes with the data it describes."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.cli import main
from devstack.settings import DevstackSettings


def test_wipe_deletes_the_data_and_the_demo_history_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINQING_DEV_HOME", str(tmp_path))
    settings = DevstackSettings()
    for d in (settings.kafka_dir, settings.pg_dir):
        d.mkdir(parents=True)
        (d / "data").write_text("x")
    settings.demo_history_marker.write_text('{"days": 30}\n')
    (tmp_path / "demo-accounts.json").write_text("[]")  # the demo accounts, seeded again from it: kept

    assert main(["wipe"]) == 0

    assert not settings.kafka_dir.exists() and not settings.pg_dir.exists()
    assert not settings.demo_history_marker.exists()
    assert (tmp_path / "demo-accounts.json").exists()
