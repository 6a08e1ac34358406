"""The demo's closing "where to look" lists every page, API and worker the platform starts."""

from __future__ import annotations

from devstack.services import SERVICES
from minqing_kit.auth import TokenSigner
from simulator.live import PROXY, where_to_look


def test_every_service_page_and_metrics_port_is_listed() -> None:
    text = where_to_look(TokenSigner.generate(), "990102000000")
    assert f"{PROXY}/workbench/" in text and f"{PROXY}/m/" in text and f"{PROXY}/reporting/dashboard/" in text
    for name, ports in SERVICES.items():
        assert f"{PROXY}/{name}/docs" in text, name
        assert f"http://127.0.0.1:{ports.api}/metrics" in text and f"http://127.0.0.1:{ports.metrics}/metrics" in text
    assert "?page_size=5" in text  # the matters API pages by page_size (an unknown `limit` was ignored)
