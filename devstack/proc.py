"""Stopping a background process we may or may not be the parent of."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path


def alive(pid: int, proc: subprocess.Popen[bytes] | None = None) -> bool:
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A process whose parent exited may linger as a zombie until init reaps it: that is dead.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def terminate(pid: int, sig: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Send `sig`, wait up to `timeout` for a clean exit, then SIGKILL."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive(pid, proc):
        time.sleep(0.1)
    if alive(pid, proc):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        if proc is not None:
            proc.wait(10)


def ensure_port_free(port: int, what: str) -> None:
    """Refuse to start on a port another process holds (we would talk to the wrong server)."""
    import socket

    from devstack.errors import StackError

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise StackError(f"{what}: port {port} on 127.0.0.1 is already in use ({exc.strerror}); "
                             f"stop what holds it or choose another port") from exc
