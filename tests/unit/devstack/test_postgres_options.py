"""The PostgreSQL server's start-up settings (pure: no process started)."""

from __future__ import annotations

from pathlib import Path

from devstack.postgres import PostgresNode
from devstack.settings import DevstackSettings


def _settings(argv: list[str]) -> dict[str, str]:
    assert argv[::2] == ["-c"] * (len(argv) // 2)
    return dict(option.split("=", 1) for option in argv[1::2])


def test_defaults_keep_durability_and_load_no_extension(tmp_path: Path) -> None:
    options = _settings(PostgresNode(DevstackSettings(home=tmp_path)).server_options())
    assert options["listen_addresses"] == "127.0.0.1"
    assert "fsync" not in options and "shared_preload_libraries" not in options


def test_benchmark_options_add_statement_statistics_and_raw_settings(tmp_path: Path) -> None:
    s = DevstackSettings(home=tmp_path, pg_fsync=False, pg_stat_statements=True,
                         pg_options=("autovacuum_naptime=1",))
    options = _settings(PostgresNode(s).server_options())
    assert options["shared_preload_libraries"] == "pg_stat_statements"
    assert options["pg_stat_statements.track_planning"] == "on"
    assert (options["fsync"], options["autovacuum_naptime"]) == ("off", "1")
