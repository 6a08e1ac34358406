#!/usr/bin/env bash
# Installs everything Minqing needs on a fresh Debian machine, idempotently and quickly when
# nothing changed: Java + Maven (Kafka), PostgreSQL, nginx (the proxy), the Python environment, the Kafka jars,
# and (with --test) the tools the test suite drives: promtool, docker-compose, kcat, Chromium, npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }

apt_updated=0
apt_install() {  # apt_install <package>...
  if [ "$(id -u)" != 0 ]; then
    echo "[bootstrap] missing packages: $* — install them with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}
need() {  # need <command> <package>
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

with_test_tools=0
[ "${1:-}" = "--test" ] && with_test_tools=1

# --- system packages ------------------------------------------------------------------------
need java openjdk-17-jre-headless
need mvn maven
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || apt_install postgresql
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || apt_install nginx  # the one address (deploy/nginx)
if [ "$with_test_tools" = 1 ]; then
  need promtool prometheus
  need docker-compose docker-compose
  need kcat kcat
  need chromium chromium
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || apt_install fonts-wqy-microhei  # Chinese glyphs in screenshots
  need npm npm
fi

# --- Python environment (rebuilt when pyproject.toml changes) -------------------------------
PY=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    PY="$candidate"; break
  fi
done
if [ -z "$PY" ]; then
  apt_install python3.11 python3.11-venv
  PY=python3.11
fi
stamp=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.minqing-stamp 2>/dev/null)" != "$stamp" ]; then
  say "creating the Python environment (.venv)"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -U pip
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
  echo "$stamp" > .venv/.minqing-stamp
fi

# --- npm packages the services and tests serve or run (ECharts, AsyncAPI CLI) ----------------
if [ -f package.json ] && command -v npm >/dev/null 2>&1; then
  lockstamp=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
  if [ ! -d node_modules ] || [ "$(cat node_modules/.minqing-stamp 2>/dev/null)" != "$lockstamp" ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lockstamp" > node_modules/.minqing-stamp
  fi
fi

# --- Kafka jars (cached per pom) and PostgreSQL binaries -------------------------------------
.venv/bin/python -m devstack setup
