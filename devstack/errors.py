"""Errors of the local stack, with the component's own log tail attached."""

from __future__ import annotations

from pathlib import Path


class StackError(RuntimeError):
    """Kafka or PostgreSQL could not be prepared, started or reached."""


def log_tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"(no log at {path})"
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return f"--- last {len(text)} lines of {path} ---\n" + "\n".join(text)
