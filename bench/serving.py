"""Gunicorn serving the app for the benchmarks, on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    url: str

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def start_gunicorn(
    db_url: str, work: Path, options: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> Gunicorn:
    """Serve the app with 2 workers (sync unless ``options`` say otherwise) on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "DATABASE_URL": db_url, "TSUHO_VAR_DIR": str(work),
                   "SECRET_KEY": "b", **(env or {})}  # fmt: skip
    environment.pop("TEST_DATABASE_URL", None)
    log = (work / "gunicorn.log").open("wb")
    command = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
               "--workers", "2", *options, "--log-level", "warning",
               "app:create_app()"]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    server = Gunicorn(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((work / "gunicorn.log").read_text()[-3000:])
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            if len(server.workers()) == 2:
                return server
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def stop_gunicorn(server: Gunicorn) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
