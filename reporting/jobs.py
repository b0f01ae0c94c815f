"""The job queue: procrastinate on the application's own PostgreSQL database."""

import logging
import time
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from typing import Any

import procrastinate
from procrastinate import JobContext
from sqlalchemy import text

from reporting.db import db
from reporting.operations import metrics
from reporting.operations import retention
from reporting.settings import libpq_url

log = logging.getLogger(__name__)

# A worker that sent no heartbeat for this long is taken for dead, and its jobs run again.
STALLED_AFTER = 30.0

# A channel's tasks, added to a queue by a function the application passes in: the domain
# runs jobs without knowing which channels define them.
Registrar = Callable[[procrastinate.App], None]


def create_queue(sqlalchemy_url: str, tasks: Iterable[Registrar] = ()) -> procrastinate.App:
    """Return a job queue on the database with the given tasks; it connects when opened.

    Each application gets its own queue object, so tests can run several side by side.
    """
    queue = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_url(sqlalchemy_url))
    )
    for register in tasks:
        register(queue)
    _register_maintenance(queue)
    _register_retention(queue)
    return queue


def _register_maintenance(queue: procrastinate.App) -> None:
    # Every 5 seconds: croniter reads seconds from the sixth field, after the weekday.
    # The queueing lock keeps at most one tick waiting.
    @queue.periodic(cron="* * * * * */5")
    @queue.task(name="retry_stalled_jobs", queueing_lock="retry_stalled_jobs", pass_context=True)
    async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
        """Run again the jobs of a worker that died mid-job (killed, or its machine lost)."""
        stalled_after = context.additional_context.get("stalled_after", STALLED_AFTER)
        manager = queue.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
            await manager.retry_job(job)


def _register_retention(queue: procrastinate.App) -> None:
    # Daily at 03:23 (UTC): quiet hours for a city in Japan. Late ticks are not made up.
    @queue.periodic(cron="23 3 * * *")
    @queue.task(name="run_retention", queueing_lock="run_retention", pass_context=True)
    def run_retention(context: JobContext, timestamp: int) -> None:
        """Apply the city profile's retention policy, as `flask retention run` does."""
        app = context.additional_context["flask_app"]
        with app.app_context():
            retention.run(
                db.session(),
                app.extensions["tsuho.photos"],
                app.extensions["tsuho.city"].retention,
                datetime.now(UTC),
                trigger="schedule",
            )


def create_deferrer(sqlalchemy_url: str, tasks: Iterable[Registrar] = ()) -> procrastinate.App:
    """Return a queue for deferring jobs inside the caller's own transaction.

    Its connector is synchronous and never opened: every defer passes the connection of the
    SQLAlchemy session, so the job and the rows it is about commit together. (The worker's
    queue cannot do this once opened: its connector is asynchronous.)
    """
    queue = procrastinate.App(
        connector=procrastinate.SyncPsycopgConnector(conninfo=libpq_url(sqlalchemy_url))
    )
    for register in tasks:
        register(queue)
    return queue


RECORD_FAILURE_SQL = """
INSERT INTO job_failures (job_id, task_name, attempt, error)
VALUES (%(job_id)s, %(task_name)s, %(attempt)s, %(error)s)
"""


async def observe_job(
    call_next: Callable[[], Awaitable[Any]], context: JobContext, worker: Any
) -> Any:
    """Worker middleware: count and time every job; keep each failed attempt's error.

    The error row is what the operations page shows beside a failed job (procrastinate
    keeps a job's status, not why it failed).
    """
    job = context.job
    started = time.perf_counter()
    try:
        result = await call_next()
    except Exception as exc:
        metrics.JOBS.labels(job.task_name, "failed").inc()
        await _record_failure(worker.app, job, exc)
        raise
    finally:
        metrics.JOB_SECONDS.labels(job.task_name).observe(time.perf_counter() - started)
    metrics.JOBS.labels(job.task_name, "succeeded").inc()
    return result


async def _record_failure(queue: procrastinate.App, job: Any, exc: Exception) -> None:
    try:
        await queue.connector.execute_query_async(
            RECORD_FAILURE_SQL,
            job_id=job.id,
            task_name=job.task_name,
            attempt=job.attempts + 1,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
    except Exception:  # the job's own failure matters more than our note of it
        log.warning("could not record the failure of job %s", job.id, exc_info=True)


# What every worker runs its jobs through (``flask --app app worker`` and the tests' drains).
WORKER_MIDDLEWARE = [observe_job]


class NotRetryable(LookupError):
    """No failed job has this id (it never existed, or it is not failed)."""


def retry_failed(connection: Any, job_id: int) -> None:
    """Queue a failed job again, to run now; the caller commits. Raise NotRetryable."""
    found = connection.execute(
        text("SELECT 1 FROM procrastinate_jobs WHERE id = :id AND status = 'failed' FOR UPDATE"),
        {"id": job_id},
    ).first()
    if found is None:
        raise NotRetryable(job_id)
    # procrastinate's own entry point: status todo, one more attempt, same lock and queue.
    connection.execute(
        text("SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)"), {"id": job_id}
    )
