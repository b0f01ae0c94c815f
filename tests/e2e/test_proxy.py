"""nginx with the project's configuration (deploy/nginx/) in front of gunicorn, as deployed.

Forty clients that open a request and send its body slowly used to hold all of gunicorn's
threads, and /healthz with them; behind nginx, which reads bodies whole before passing them
on, /healthz keeps answering. The same forty against gunicorn alone show what nginx prevents.
"""

import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.processes import ROOT
from tests.processes import free_port
from tests.processes import gunicorn
from tests.processes import start
from tests.processes import wait_until
from tests.reporting.open311.test_open311 import seed

pytestmark = pytest.mark.slow

SLOW_CLIENTS = 40
PROBES = 9
# The monitor's address: the slow clients all come from 127.0.0.1, as from one attacker.
MONITOR = ("127.0.0.2", 0)
# As deployed: two workers of four threads (docker-compose.yml has three).
GUNICORN_ARGS = "--worker-class gthread --threads 4 --access-logfile -"


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        pytest.fail("nginx is missing: scripts/system-packages.sh nginx (make test does this)")
    return found


@contextmanager
def nginx(upstream: str, prefix: Path) -> Iterator[str]:
    """Run nginx as this user under ``prefix``, with deploy/nginx/tsuho.conf pointed at
    ``upstream`` (host:port) and listening on a free port; yield its base URL."""
    port = free_port()
    site = (ROOT / "deploy" / "nginx" / "tsuho.conf").read_text()
    assert "server web:8000;" in site and "listen 80;" in site
    site = site.replace("server web:8000;", f"server {upstream};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (prefix / "logs").mkdir(parents=True)
    (prefix / "tsuho.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 2;\nerror_log {prefix / 'error.log'} warn;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n{temp}\n    include {prefix / 'tsuho.conf'};\n}}\n"
    )
    args = [nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    server = start([*args, "-g", "daemon off;"], {}, prefix / "nginx.out")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _up(url, server.popen.poll(), server.output()), 30)
        yield url
    finally:
        server.stop()


def _up(url: str, exited: int | None, output: str) -> bool:
    if exited is not None:
        raise RuntimeError(f"nginx exited:\n{output}")
    try:
        return requests.get(f"{url}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def open_slow_bodies(url: str) -> list[socket.socket]:
    """Start SLOW_CLIENTS POSTs that promise a body and send only its first bytes."""
    host, port = url.removeprefix("http://").split(":")
    sockets = []
    for _ in range(SLOW_CLIENTS):
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(
            b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: tsuho.example\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000\r\n\r\nservice_code="
        )
        sockets.append(s)
    time.sleep(1.0)  # let every one reach the server
    return sockets


def healthz_answers(url: str) -> int:
    """Probe /healthz as a monitor would, from another address (127.0.0.2) than the clients."""
    host, port = url.removeprefix("http://").split(":")
    answered = 0
    for _ in range(PROBES):
        probe = http.client.HTTPConnection(host, int(port), timeout=2, source_address=MONITOR)
        try:
            probe.request("GET", "/healthz")
            answered += probe.getresponse().status == 200
        except OSError:
            pass
        finally:
            probe.close()
    return answered


@pytest.fixture
def app_url(fresh_areas_db_url: str, tmp_path: Path) -> Iterator[str]:
    seed(fresh_areas_db_url)
    env = {
        "DATABASE_URL": fresh_areas_db_url,
        "SECRET_KEY": "e2e",
        "PHOTO_DIR": str(tmp_path / "photos"),
        "GUNICORN_CMD_ARGS": GUNICORN_ARGS,
        "TSUHO_TRUSTED_PROXIES": "127.0.0.1",
    }
    with gunicorn(env, tmp_path / "web.log") as url:
        yield url


def test_slow_clients_behind_nginx_leave_healthz_answering(app_url: str, tmp_path: Path) -> None:
    upstream = app_url.removeprefix("http://")
    with nginx(upstream, tmp_path / "nginx") as proxy:
        held = open_slow_bodies(proxy)
        try:
            assert healthz_answers(proxy) == PROBES
        finally:
            for s in held:
                s.close()


def test_without_nginx_the_same_clients_starve_healthz(app_url: str) -> None:
    """The control: what the proxy is for (gunicorn alone, the same forty clients)."""
    held = open_slow_bodies(app_url)
    try:
        assert healthz_answers(app_url) < PROBES
    finally:
        for s in held:
            s.close()


def test_the_proxy_limits_logins_and_keeps_keys_out_of_logs(
    app_url: str, tmp_path: Path
) -> None:
    upstream = app_url.removeprefix("http://")
    with nginx(upstream, tmp_path / "nginx") as proxy:
        secret = "k3y-that-must-not-be-logged"
        answer = requests.get(
            f"{proxy}/open311/v2/requests.json?api_key={secret}&status=open", timeout=10
        )
        # Reading requests needs no key (GeoReport v2), so the unknown key is not refused;
        # what matters here is that it reached the app and neither log holds it.
        assert answer.status_code == 200
        statuses = [
            requests.post(f"{proxy}/staff/login", data={"login": "x"}, timeout=10).status_code
            for _ in range(15)
        ]
        assert 429 in statuses  # nginx's limit_req, before gunicorn does any work
        huge = requests.post(f"{proxy}/line/webhook", data=b"x" * (1024 * 1024 + 10), timeout=10)
        assert huge.status_code == 413
        time.sleep(0.5)
        nginx_log = (tmp_path / "nginx" / "nginx.out").read_text()
    assert "api_key=[redacted]" in nginx_log
    assert secret not in nginx_log
    web_log = (tmp_path / "web.log").read_text()
    assert "/open311/v2/requests.json" in web_log
    assert secret not in web_log
