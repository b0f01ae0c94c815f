"""The README's first command on a database nobody has set up: `make run` serves, with a
worker beside it, so a resident's message gets its reply with no second command."""

import os
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from reporting.line.sandbox.fake.events import EventBuilder
from reporting.line.sandbox.fake.events import signature
from reporting.line.sandbox.fake.events import webhook_body
from tests.conftest import Databases
from tests.processes import free_port
from tests.processes import wait_until
from tests.reporting.line_world import BOT
from tests.reporting.line_world import SECRET
from tests.reporting.line_world import TOKEN
from tests.reporting.line_world import line_platform

ROOT = Path(__file__).resolve().parents[1]
METRICS_TOKEN = "make-run-metrics-token"

pytestmark = pytest.mark.slow


def test_make_run_serves_with_a_worker_then_setup_again_changes_nothing(
    databases: Databases, tmp_path: Path
) -> None:
    url = databases.url(databases.create())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with line_platform() as platform:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "TSUHO_ADMIN_PASSWORD": "a long test password",
            "TSUHO_VAR_DIR": str(tmp_path / "var"),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
            "METRICS_TOKEN": METRICS_TOKEN,
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "LINE_API_HOST": platform.url or "",
        }
        server = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            wait_until(lambda: _answers(f"{base}/healthz"), 180, every=0.3)
            ready = requests.get(f"{base}/readyz", timeout=5)
            user = "U" + "5" * 32
            body = webhook_body(BOT, [EventBuilder(platform).follow(user)])
            posted = requests.post(
                f"{base}/line/webhook", data=body,
                headers={"X-Line-Signature": signature(body, SECRET)}, timeout=10,
            )
            replies = platform.wait_for_messages(user, 1, timeout=60)
            metrics = requests.get(
                f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                timeout=10,
            ).text
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            output = server.communicate(timeout=60)[0]
    assert ready.status_code == 200, ready.text
    assert posted.status_code == 200, posted.text
    assert replies[0].channel == "reply" and replies[0].text
    # The worker's job counted in its own process, and summed by gunicorn's /metrics.
    assert 'tsuho_jobs_total{outcome="succeeded",task="handle_line_event"}' in metrics
    assert "10 inserted" in output
    # The output ends with where to go and how to sign in, after every setup line.
    assert output.rstrip().splitlines()[-2:] == [
        f"  http://127.0.0.1:{port}/staff/login",
        "created admin account 'admin' with the password from TSUHO_ADMIN_PASSWORD",
    ]
    # Both stopped together: nothing answers, and no process of the group is left.
    assert not _answers(f"{base}/healthz")
    wait_until(lambda: not _group_alive(server.pid), 30)

    again = subprocess.run(
        ["make", "setup"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert "0 inserted, 0 updated, 10 unchanged" in again.stdout
    assert "an admin account exists" in again.stdout
    assert "Running upgrade" not in again.stderr


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
