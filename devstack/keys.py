"""The token signing key pair of a developer's stack: made once under `<home>/keys/`, reused after.

`jwt-signing.pem` (Ed25519 private key, mode 0600) goes to the identity service only (and to the
simulator and `python -m minqing_kit.auth mint`, operator tools); `jwks.json` (public keys) to every
service as `MINQING_JWT_PUBLIC_KEYS`. Nothing here is published in the repository: each machine makes
its own pair, `devstack wipe` forgets it.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from devstack.settings import DevstackSettings


def ensure_keys(settings: DevstackSettings) -> tuple[Path, Path]:
    """(private key file, JWKS file), made on first use; safe when several processes start at once."""
    from minqing_kit.auth import write_keypair

    directory = settings.home / "keys"
    private, public = directory / "jwt-signing.pem", directory / "jwks.json"
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (private.exists() and public.exists()):
            write_keypair(directory)
    return private, public
