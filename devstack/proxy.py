"""The platform's one address on a developer's machine: nginx in front of the four services.

    python -m devstack proxy      # nginx in the foreground on http://127.0.0.1:8100/ (Procfile)

Runs Debian's nginx with the repository's `deploy/nginx/devstack.conf`, its pid file, temp files and
logs inside `<devstack home>/nginx/`, so it needs no system directories and stops with the platform.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from devstack.errors import StackError
from devstack.settings import REPO_ROOT, DevstackSettings

NGINX_DIR = REPO_ROOT / "deploy" / "nginx"
PROXY_PORT = 8100  # the `listen` of deploy/nginx/devstack.conf


def find_nginx() -> str:
    path = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if path is None:
        raise StackError("nginx is not installed: run scripts/bootstrap.sh (Debian package nginx)")
    return path


def nginx_command(conf: Path, prefix: Path) -> list[str]:
    """Foreground nginx, errors on stderr, every relative path (pid, temp) inside `prefix`."""
    return [find_nginx(), "-e", "stderr", "-g", "daemon off;", "-c", str(conf), "-p", f"{prefix}/"]


WEB_DIST = REPO_ROOT / "web" / "dist"  # built by scripts/bootstrap.sh (npm run build in web/)


def prepare_prefix(prefix: Path) -> Path:
    (prefix / "temp").mkdir(parents=True, exist_ok=True)
    # The front end's files: `root web` in minqing-locations.conf is relative to the prefix.
    web = prefix / "web"
    if web.is_symlink() or web.exists():
        web.unlink()
    web.symlink_to(WEB_DIST, target_is_directory=True)
    # nginx started by root runs its workers as `nobody`: they must reach the temp directories.
    if os.geteuid() == 0:
        for path in (prefix, prefix / "temp"):
            path.chmod(0o755)
    return prefix


def run_proxy(settings: DevstackSettings) -> int:
    prefix = prepare_prefix(settings.home / "nginx")
    argv = nginx_command(NGINX_DIR / "devstack.conf", prefix)
    os.execv(argv[0], argv)
    return 0  # not reached
