"""The README's first command on a database nobody has set up: `make run` serves."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import Databases

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 120) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return requests.get(url, timeout=2)
        except (requests.ConnectionError, requests.Timeout):
            # Workers still starting: the port accepts before anyone answers.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_make_run_migrates_loads_and_serves_then_setup_again_changes_nothing(
    databases: Databases,
) -> None:
    url = databases.url(databases.create())
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "TSUHO_ADMIN_PASSWORD": "a long test password"}
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
        health = wait_for(f"http://127.0.0.1:{port}/healthz")
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert health.status_code == 200
    assert ready.status_code == 200, ready.text
    assert "10 inserted" in output
    assert "created admin account 'admin'" in output

    again = subprocess.run(
        ["make", "setup"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert "0 inserted, 0 updated, 10 unchanged" in again.stdout
    assert "an admin account exists" in again.stdout
    assert "Running upgrade" not in again.stderr
