"""`flask --app app worker` runs queued jobs from the database and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from reporting.jobs import create_queue
from reporting.settings import libpq_url

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))

pytestmark = pytest.mark.slow


def job_status(url: str, job_id: int) -> str:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job_id])
        return str(row.fetchone()[0])


def test_the_worker_runs_a_queued_job_and_stops_on_sigterm(fresh_db_url: str) -> None:
    queue = create_queue(fresh_db_url)
    with queue.open():
        job_id = queue.configure_task("builtin:procrastinate.builtin_tasks.remove_old_jobs").defer(
            max_hours=1
        )
    assert job_status(fresh_db_url, job_id) == "todo"

    env = {**os.environ, "DATABASE_URL": fresh_db_url}
    worker = subprocess.Popen(
        [FLASK, "--app", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while job_status(fresh_db_url, job_id) != "succeeded" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert job_status(fresh_db_url, job_id) == "succeeded"
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0]
    assert worker.returncode == 0, output
