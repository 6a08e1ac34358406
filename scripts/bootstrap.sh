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
fi
# WeasyPrint (the volunteer certificates as PDF) lays text out with Pango and prints Chinese with WenQuanYi.
ls /usr/lib/*/libpango-1.0.so.0 >/dev/null 2>&1 || apt_install libpango-1.0-0
ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || apt_install libpangoft2-1.0-0
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || apt_install fonts-wqy-microhei
need npm npm  # the web front end is built during set-up (Debian's Node 20)

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

# --- the web front end (web/: workbench + citizens' pages), rebuilt when its inputs change --------
# npm ci when web/package-lock.json changed; `npm run build` (API types from web/openapi, vue-tsc, vite)
# when any source, OpenAPI export or config changed. nginx serves web/dist.
if [ -f web/package.json ]; then
  webdeps=$(cat web/package.json web/package-lock.json | sha256sum | cut -c1-16)
  if [ ! -d web/node_modules ] || [ "$(cat web/node_modules/.minqing-stamp 2>/dev/null)" != "$webdeps" ]; then
    say "npm ci (web)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    echo "$webdeps" > web/node_modules/.minqing-stamp
  fi
  webstamp=$( (echo "$webdeps"; find web/src web/workbench web/m web/openapi web/scripts web/vite.config.ts web/tsconfig.json \
                 -type f ! -path 'web/src/api/schema/*' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)
  if [ ! -f web/dist/workbench/index.html ] || [ "$(cat web/dist/.minqing-stamp 2>/dev/null)" != "$webstamp" ]; then
    say "building the web front end (web/dist)"
    weblog=$(mktemp)
    if ! (cd web && npm run --silent build) >"$weblog" 2>&1; then cat "$weblog" >&2; rm -f "$weblog"; exit 1; fi
    rm -f "$weblog"
    echo "$webstamp" > web/dist/.minqing-stamp
  fi
fi

# --- Kafka jars (cached per pom) and PostgreSQL binaries -------------------------------------
.venv/bin/python -m devstack setup
