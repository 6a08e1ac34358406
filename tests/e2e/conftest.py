"""End-to-end tests share the integration fixtures (real stack, topics, fresh databases)."""

from tests.integration.conftest import make_db, topics  # noqa: F401  (pytest fixtures)
