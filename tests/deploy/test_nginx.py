"""deploy/nginx: Debian's nginx accepts the devstack and compose configurations, and the compose one,
run for real with a throwaway certificate, redirects HTTP to HTTPS and sends HSTS over TLS only.
(The proxy in front of the real services is tests/e2e/test_proxy.py.)"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from devstack.proxy import NGINX_DIR, nginx_command, prepare_prefix

from .conftest import require_tool, run

pytestmark = pytest.mark.timeout(60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _certificate(directory: Path) -> None:
    """A self-signed stand-in for the operator's certificate (tls.crt, tls.key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    (directory / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "tls.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))


@pytest.fixture
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="minqing-nginx-") as d:
        path = Path(d)
        path.chmod(0o755)  # nginx workers (nobody, when run as root) read the certificate and temp dirs
        for part in ("minqing-http.conf", "minqing-locations.conf", "minqing-headers.conf"):
            (path / part).symlink_to(NGINX_DIR / part)
        yield path


def test_devstack_configuration_is_accepted(workdir: Path) -> None:
    require_tool("nginx", "nginx")
    prefix = prepare_prefix(workdir / "prefix")
    argv = nginx_command(NGINX_DIR / "devstack.conf", prefix)
    run([argv[0], "-t", *argv[1:]])


def test_compose_configuration_serves_tls_with_hsts_and_redirects_http(workdir: Path) -> None:
    require_tool("nginx", "nginx")
    _certificate(workdir)
    http_port, https_port = _free_port(), _free_port()
    conf = (NGINX_DIR / "compose.conf").read_text(encoding="utf-8")
    for old, new in ((" 80 default_server", f" 127.0.0.1:{http_port} default_server"),
                     (" 443 ssl default_server", f" 127.0.0.1:{https_port} ssl default_server"),
                     ("/etc/nginx/tls/", f"{workdir}/"), ("/tmp/nginx", f"{workdir}/nginx"),
                     ("petition-api:8101", "127.0.0.1:9"), ("safety-api:8102", "127.0.0.1:9"),
                     ("volunteer-api:8103", "127.0.0.1:9"), ("reporting-api:8104", "127.0.0.1:9"),
                     ("identity-api:8105", "127.0.0.1:9"),
                     ("liaison-api:8106", "127.0.0.1:9")):
        assert old in conf, old
        conf = conf.replace(old, new)
    (workdir / "compose.conf").write_text(conf, encoding="utf-8")
    prefix = prepare_prefix(workdir / "prefix")
    argv = nginx_command(workdir / "compose.conf", prefix)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        context = ssl.create_default_context(cafile=str(workdir / "tls.crt"))
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else proc.returncode
            try:
                plain = httpx.get(f"http://127.0.0.1:{http_port}/petition/docs", timeout=2)
                secure = httpx.get(f"https://localhost:{https_port}/nowhere", verify=context, timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.1)
        assert plain.status_code == 301
        assert plain.headers["location"] == "https://127.0.0.1/petition/docs"
        assert "strict-transport-security" not in plain.headers
        assert secure.status_code == 404 and secure.json()["error"]["code"] == "not_found"
        assert secure.headers["strict-transport-security"] == "max-age=31536000"
        assert secure.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in secure.headers["content-security-policy"]
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_web_image_configuration_serves_the_built_pages(workdir: Path) -> None:
    """deploy/nginx/web-static.conf (the Kubernetes `web` image) run for real over the Vite build: each
    SPA's deep link falls back to its index.html, hashed assets are served with a long cache, anything
    else is 404."""
    from devstack.proxy import WEB_DIST

    require_tool("nginx", "nginx")
    index = WEB_DIST / "workbench" / "index.html"
    assert index.exists(), "web/dist is not built: run scripts/bootstrap.sh"
    asset = next((WEB_DIST / "static").glob("*.js"))
    port = _free_port()
    server = (NGINX_DIR / "web-static.conf").read_text(encoding="utf-8")
    for old, new in (("listen 8080;", f"listen 127.0.0.1:{port};"), ("/usr/share/nginx/minqing", str(WEB_DIST))):
        assert old in server, old
        server = server.replace(old, new)
    (workdir / "web.conf").write_text(
        f"pid {workdir}/web.pid;\nevents {{}}\nhttp {{\n include /etc/nginx/mime.types;\n"
        f" client_body_temp_path {workdir}/b; proxy_temp_path {workdir}/p; fastcgi_temp_path {workdir}/f;\n"
        f" uwsgi_temp_path {workdir}/u; scgi_temp_path {workdir}/s; access_log off;\n{server}\n}}\n", encoding="utf-8")
    prefix = prepare_prefix(workdir / "prefix")
    proc = subprocess.Popen(nginx_command(workdir / "web.conf", prefix), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else proc.returncode
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.1)
        assert health.status_code == 200
        page = httpx.get(f"{base}/workbench/admin/reference", timeout=5)
        assert page.status_code == 200 and page.text == index.read_text(encoding="utf-8")
        assert page.headers["cache-control"] == "no-cache"
        phone = httpx.get(f"{base}/m/", timeout=5)
        assert phone.status_code == 200 and phone.text == (WEB_DIST / "m" / "index.html").read_text(encoding="utf-8")
        js = httpx.get(f"{base}/static/{asset.name}", timeout=5)
        assert js.status_code == 200 and "javascript" in js.headers["content-type"]
        assert "immutable" in js.headers["cache-control"]
        assert httpx.get(f"{base}/workbench", timeout=5).status_code == 301
        assert httpx.get(f"{base}/petition/matters", timeout=5).status_code == 404
    finally:
        proc.terminate()
        proc.wait(10)
