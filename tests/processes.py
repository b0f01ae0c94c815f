"""Real processes for end-to-end tests: gunicorn serving the app, the worker, a private cluster."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check, seconds: float = 30, every: float = 0.1):  # noqa: ANN001, ANN201
    """Poll ``check`` until it returns something true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {seconds} s waiting for {check}")
        time.sleep(every)


@dataclass
class Process:
    """A child process whose output is kept in a file, for failure messages."""

    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout)
        return int(self.popen.returncode)


def start(args: list[str], env: dict[str, str], log: Path) -> Process:
    with log.open("wb") as out:
        popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(popen, log)


@contextmanager
def gunicorn(env: dict[str, str], log: Path, workers: int = 2) -> Iterator[str]:
    """Serve the application with gunicorn on a free loopback port; yield its base URL."""
    port = free_port()
    args = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    server = start([*args, "app:create_app()"], env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url, server), 60)
        yield url
    finally:
        server.stop()


def _answers(url: str, server: Process) -> bool:
    if server.popen.poll() is not None:
        raise RuntimeError(f"gunicorn exited:\n{server.output()}")
    try:
        return requests.get(f"{url}/healthz", timeout=2).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


def worker(env: dict[str, str], log: Path, *extra: str) -> Process:
    """Start ``flask --app app worker``."""
    return start([str(BIN / "flask"), "--app", "app", "worker", *extra], env, log)


@dataclass
class Cluster:
    """A PostgreSQL cluster of this test's own, which the test may stop and start."""

    data: Path
    port: int
    bindir: Path
    owner: str | None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        subprocess.run(command, cwd="/", check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """Create, start and finally remove a throwaway cluster (as ``postgres`` when root)."""
    initdb = shutil.which("initdb") or next(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    bindir = Path(initdb).parent
    owner = "postgres" if os.geteuid() == 0 else None
    data = Path(tempfile.gettempdir()) / f"tsuho-cluster-{uuid.uuid4().hex[:8]}"
    data.mkdir(mode=0o700)
    if owner:
        shutil.chown(data, owner)
    cluster = Cluster(data, free_port(), bindir, owner)
    cluster._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust")
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(f"port = {cluster.port}\nlisten_addresses = '127.0.0.1'\n")
        conf.write(f"unix_socket_directories = '{data}'\n")
    cluster.start()
    try:
        yield cluster
    finally:
        try:
            cluster.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(data, ignore_errors=True)


def create_database(server_url: str) -> str:
    """Create a database on the server; return its URL."""
    name = f"tsuho_e2e_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
