"""Export each service's OpenAPI document to web/openapi/<service>.json, the web build's API types' source.

    python -m devstack.openapi          # rewrite the files
    python -m devstack.openapi --check  # exit 1 when a committed file differs from the code

The web build generates TypeScript types from these files (web/scripts/gen-api.mjs, openapi-typescript),
so a page calling a route or field that no longer exists fails `vue-tsc`; tests/contract/test_openapi_exports.py
fails when a service changed and the files were not regenerated. Building the apps opens nothing
(resources open in their lifespans).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from devstack.settings import REPO_ROOT

OPENAPI_DIR = REPO_ROOT / "web" / "openapi"
SERVICES = ("petition", "safety", "volunteer", "reporting", "identity", "liaison")


def documents() -> dict[str, dict[str, Any]]:
    """service → its OpenAPI document, as served under its proxy prefix (`servers: [/<service>]`)."""
    docs = {}
    for service in SERVICES:
        try:
            module = importlib.import_module(f"services.{service}.entrypoints.api")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"services.{service}"):
                continue  # a service not in this checkout
            raise
        doc = dict(module.app.openapi())
        doc["servers"] = [{"url": f"/{service}"}]
        docs[service] = doc
    return docs


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for service, doc in documents().items():
        path: Path = OPENAPI_DIR / f"{service}.json"
        text = render(doc)
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path.relative_to(REPO_ROOT)))
        else:
            OPENAPI_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        sys.stderr.write("stale OpenAPI exports (run python -m devstack.openapi): " + ", ".join(stale) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
