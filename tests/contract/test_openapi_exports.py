"""The web build's API types come from web/openapi/*.json: those files must match the services' code."""

from __future__ import annotations

from devstack.openapi import OPENAPI_DIR, documents, render


def test_committed_openapi_exports_match_the_services() -> None:
    docs = documents()
    assert {"petition", "safety", "volunteer", "reporting"} <= set(docs)
    for service, doc in docs.items():
        path = OPENAPI_DIR / f"{service}.json"
        assert path.exists(), f"{path} missing: run .venv/bin/python -m devstack.openapi"
        assert path.read_text(encoding="utf-8") == render(doc), (
            f"{path.name} differs from the {service} service's OpenAPI: run .venv/bin/python -m devstack.openapi"
            " (and rebuild the web app, whose types come from it)")
    assert "/public/requests" in docs["volunteer"]["paths"]
